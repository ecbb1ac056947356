import type { EventStore } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { readJsonlLog } from '@converge/runtime';
import { openSqliteEventStore } from '@converge/store-sqlite';

/** Opens `sqlite:PATH` as an event store. */
export function openStore(url: string): EventStore {
  if (!url.startsWith('sqlite:'))
    throw new Error(`unsupported store ${JSON.stringify(url)}; use sqlite:PATH`);
  return openSqliteEventStore(url.slice('sqlite:'.length));
}

/**
 * Reads a log given as a JSONL file or `sqlite:PATH`. Problems (a torn tail, an invalid line)
 * are returned beside the valid events, never dropped silently.
 */
export async function readLog(location: string): Promise<{ events: ConvergeEvent[]; problems: string[] }> {
  if (location.startsWith('sqlite:')) {
    const store = openStore(location);
    try {
      return { events: store.read(1), problems: [] };
    } finally {
      await store.close();
    }
  }
  const { events, problems } = await readJsonlLog(location);
  return { events, problems: problems.map((p) => (p instanceof Error ? p.message : String(p))) };
}
