import { closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type ConvergeEvent,
  checkStoredEvent,
  StoreCorruptionError,
  type UpcastOptions,
} from '@converge/protocol';

/**
 * JSONL event logs: one flat event per line, each line ending with `\n`. Writing is synchronous
 * and line-at-a-time, so a crash leaves at most a torn last line; reading validates every line
 * at the boundary and reports what it cannot read instead of dropping it.
 */

/** The result of reading a log: the valid prefix of its events, and every problem found. */
export interface JsonlLogReadResult {
  /** Events up to (not including) the first problem, upcast and validated, in seq order. */
  events: ConvergeEvent[];
  /** One StoreCorruptionError per bad line or seq gap, in file order; empty for a clean log. */
  problems: StoreCorruptionError[];
}

export interface JsonlLogReadOptions {
  /** The upcasters (and current versions) `upcastEvent` lifts older events with; this release's by default. */
  upcast?: UpcastOptions;
  /** How messages name the log (the path for `readJsonlLog`; `log` otherwise). */
  source?: string;
}

const seqInText = /"seq"\s*:\s*(\d+)/;

/**
 * Parses JSONL text. Blank lines are ignored. A last line without its newline is accepted when it
 * is a complete valid event (a JSON object cannot be cut short and still parse) and reported as
 * torn otherwise. Events after the first problem are not returned, because a log with a hole
 * cannot be replayed, but the rest of the text is still checked so that every problem is listed.
 */
export function parseJsonlLog(text: string, options: JsonlLogReadOptions = {}): JsonlLogReadResult {
  const upcast = options.upcast ?? {};
  const source = options.source ?? 'log';
  const lines = text.split('\n');
  const complete = lines.at(-1) === '';
  if (complete) lines.pop();
  const events: ConvergeEvent[] = [];
  const problems: StoreCorruptionError[] = [];
  let prevSeq: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    const lineNo = i + 1;
    const lastWithoutNewline = !complete && i === lines.length - 1;
    const outcome = parseLine(line, upcast, lastWithoutNewline);
    let seq: number;
    let reason: string | undefined;
    if (outcome.ok) {
      seq = outcome.event.seq;
      if (prevSeq !== undefined && seq !== prevSeq + 1) {
        reason =
          seq > prevSeq + 1
            ? `seq ${seq} follows seq ${prevSeq}: seqs ${prevSeq + 1}..${seq - 1} are missing`
            : `seq ${seq} follows seq ${prevSeq}: seqs must increase by one`;
        if (seq > prevSeq + 1) seq = prevSeq + 1;
      }
    } else {
      const found = seqInText.exec(line);
      seq = outcome.seq ?? (found ? Number(found[1]) : (prevSeq ?? 0) + 1);
      reason = outcome.reason;
    }
    if (reason !== undefined) {
      const cut = problems.length === 0 ? '; events from here on are not returned' : '';
      problems.push(new StoreCorruptionError(`${source}:${lineNo}: seq ${seq}: ${reason}${cut}`, seq));
    } else if (problems.length === 0 && outcome.ok) {
      events.push(outcome.event);
    }
    prevSeq = outcome.ok ? outcome.event.seq : seq;
  }
  return { events, problems };
}

type LineOutcome = { ok: true; event: ConvergeEvent } | { ok: false; reason: string; seq?: number };

function parseLine(line: string, upcast: UpcastOptions, lastWithoutNewline: boolean): LineOutcome {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    if (lastWithoutNewline)
      return { ok: false, reason: 'torn last line (no trailing newline, not valid JSON)' };
    return { ok: false, reason: `not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const checked = checkStoredEvent(raw, upcast);
  if (checked.ok) return checked;
  const rawSeq = (raw as { seq?: unknown } | null)?.seq;
  const seq = Number.isInteger(rawSeq) && (rawSeq as number) > 0 ? (rawSeq as number) : undefined;
  return { ok: false, seq, reason: checked.reason };
}

/** Reads a JSONL log file; see `parseJsonlLog` for what counts as a problem. */
export async function readJsonlLog(
  path: string,
  options: JsonlLogReadOptions = {},
): Promise<JsonlLogReadResult> {
  return parseJsonlLog(await readFile(path, 'utf8'), { source: path, ...options });
}

/** Reads a JSONL log file and throws its first problem as StoreCorruptionError. */
export async function readJsonlLogStrict(
  path: string,
  options: JsonlLogReadOptions = {},
): Promise<ConvergeEvent[]> {
  const { events, problems } = await readJsonlLog(path, options);
  if (problems.length > 0) throw problems[0];
  return events;
}

/** One event as its JSONL line, newline included. */
export function formatJsonlLine(event: ConvergeEvent): string {
  return `${JSON.stringify(event)}\n`;
}

export interface JsonlEventWriterOptions {
  /** Add to an existing file instead of truncating it (default false). */
  append?: boolean;
  /** The upcasters the last line is read with when appending; this release's by default. */
  upcast?: UpcastOptions;
}

/**
 * Writes events to a JSONL file as they come, one synchronous write per `append` call. A file it
 * creates is 0600, and missing directories 0700. When appending, it reads the last line first:
 * `lastSeq` is its seq, and a last line that is torn or not a valid event is StoreCorruptionError
 * naming the file and line, so nothing is written after it. Throws once closed.
 */
export class JsonlEventWriter {
  private fd: number | undefined;
  /** The seq of the file's last event when it was opened for appending; 0 for an empty file. */
  readonly lastSeq: number;

  constructor(
    readonly path: string,
    options: JsonlEventWriterOptions = {},
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const fd = openSync(path, options.append ? 'a+' : 'w', 0o600);
    try {
      const last = options.append ? lastLine(fd) : undefined;
      this.lastSeq = last === undefined ? 0 : seqOfLastLine(fd, last, path, options.upcast ?? {});
      if (last !== undefined && !last.complete) write(fd, '\n');
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    this.fd = fd;
  }

  append(events: ConvergeEvent | readonly ConvergeEvent[]): void {
    if (this.fd === undefined) throw new Error(`JSONL event writer for ${this.path} is closed`);
    const list = Array.isArray(events) ? (events as readonly ConvergeEvent[]) : [events as ConvergeEvent];
    if (list.length === 0) return;
    write(this.fd, list.map(formatJsonlLine).join(''));
  }

  /** Resolves when everything written is on disk. */
  async flush(): Promise<void> {
    if (this.fd !== undefined) fsyncSync(this.fd);
  }

  /** Flushes and closes the file; closing twice is a no-op. */
  async close(): Promise<void> {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Writes a whole log to `path`, replacing the file. */
export async function writeJsonlLog(path: string, events: readonly ConvergeEvent[]): Promise<void> {
  const writer = new JsonlEventWriter(path);
  try {
    writer.append(events);
  } finally {
    await writer.close();
  }
}

function write(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** The last non-blank line of the file: its text, byte offset, and whether a newline ends it. */
interface LastLine {
  text: string;
  offset: number;
  complete: boolean;
}

/** Reads backwards from the end in chunks until the start of the last non-blank line. */
function lastLine(fd: number): LastLine | undefined {
  const size = fstatSync(fd).size;
  let tail = Buffer.alloc(0);
  let pos = size;
  for (;;) {
    let end = tail.length;
    while (end > 0 && isBlank(tail[end - 1])) end -= 1;
    const nl = tail.lastIndexOf(0x0a, end - 1);
    if (end > 0 && (nl >= 0 || pos === 0)) {
      return {
        text: tail.subarray(nl + 1, end).toString('utf8'),
        offset: pos + nl + 1,
        complete: tail.indexOf(0x0a, end) >= 0,
      };
    }
    if (pos === 0) return undefined;
    const length = Math.min(64 * 1024, pos);
    pos -= length;
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, pos);
    tail = Buffer.concat([buf, tail]);
  }
}

/** Space, tab, CR and LF: what may follow the last line. */
const isBlank = (byte: number) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;

/** The seq of the last line, or StoreCorruptionError naming the file and line when it is bad. */
function seqOfLastLine(fd: number, last: LastLine, path: string, upcast: UpcastOptions): number {
  const outcome = parseLine(last.text, upcast, !last.complete);
  if (outcome.ok) return outcome.event.seq;
  const line = lineNumberAt(fd, last.offset);
  throw new StoreCorruptionError(
    `${path}:${line}: ${outcome.reason}; the last line must be a whole event before more are appended`,
    outcome.seq ?? Number(seqInText.exec(last.text)?.[1] ?? 0),
  );
}

/** The 1-based line number of the line starting at byte `offset` (counts the newlines before it). */
function lineNumberAt(fd: number, offset: number): number {
  const buf = Buffer.alloc(64 * 1024);
  let lines = 1;
  for (let pos = 0; pos < offset; ) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, offset - pos), pos);
    if (n === 0) break;
    for (let i = 0; i < n; i++) if (buf[i] === 0x0a) lines += 1;
    pos += n;
  }
  return lines;
}
