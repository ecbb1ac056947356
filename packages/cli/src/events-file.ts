import type { EventStore } from '@converge/core';
import { ConvergeError } from '@converge/protocol';
import { JsonlEventWriter } from '@converge/runtime';

/** The `--events` file ends after the store's last seq: it is the log of another store. */
export class EventsFileMismatchError extends ConvergeError {
  readonly code = 'EVENTS_FILE_MISMATCH';
  constructor(
    readonly file: string,
    readonly fileSeq: number,
    readonly storeSeq: number,
  ) {
    super(
      `${file} ends at seq ${fileSeq}, after the store's last seq ${storeSeq}: it holds another store's events; give --events a new file or the store that wrote it`,
    );
  }
}

/**
 * Opens `--events FILE.jsonl` for appending the store's events as a run records them (README.md "Event stores":
 * "a second run continues the seqs"). A file that ends before the store's last seq first gets
 * the events it missed, so its seqs stay gap-free; a new or empty file starts with this run.
 * Throws StoreCorruptionError (file and line) for a torn last line, EventsFileMismatchError when
 * the file is ahead of the store.
 */
export function openEventsFile(path: string, store: EventStore): JsonlEventWriter {
  const writer = new JsonlEventWriter(path, { append: true });
  const storeSeq = store.lastSeq();
  if (writer.lastSeq > storeSeq) {
    void writer.close();
    throw new EventsFileMismatchError(path, writer.lastSeq, storeSeq);
  }
  if (writer.lastSeq > 0) writer.append(store.read(writer.lastSeq + 1));
  return writer;
}
