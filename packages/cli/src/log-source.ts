import type { EventStore } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { readJsonlLog } from '@converge/runtime';
import { openSqliteEventReader, openSqliteEventStore, parseSqliteUrl } from '@converge/store-sqlite';

/**
 * Opens `sqlite:PATH` as the event store a run writes: created 0600 (directories 0700) when
 * missing, StoreLockedError while another writer holds it, StoreCorruptionError when its last
 * rows are corrupt.
 */
export function openStore(url: string, options: { runId?: string } = {}): EventStore {
  if (!url.startsWith('sqlite:'))
    throw new Error(`unsupported store ${JSON.stringify(url)}; use sqlite:PATH`);
  return openSqliteEventStore(parseSqliteUrl(url), options);
}

/**
 * Reads a log given as a JSONL file or `sqlite:PATH`, read-only: it never waits for a writer and
 * never creates a file (a missing or empty store is StoreNotFoundError). Problems (a torn tail,
 * an invalid line) are returned beside the valid events, never dropped silently.
 */
export async function readLog(location: string): Promise<{ events: ConvergeEvent[]; problems: string[] }> {
  if (location.startsWith('sqlite:')) {
    const store = openSqliteEventReader(location);
    try {
      return { events: store.read(1), problems: [] };
    } finally {
      await store.close();
    }
  }
  const { events, problems } = await readJsonlLog(location);
  return { events, problems: problems.map((p) => (p instanceof Error ? p.message : String(p))) };
}
