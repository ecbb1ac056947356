import type { EventStore } from '@converge/core';
import { type ConvergeEvent, EventsNotRetainedError } from '@converge/protocol';

/**
 * The store's events from `fromSeq` on, or, when a bounded store no longer keeps `fromSeq`
 * (MemoryEventStore `retain`), from the oldest event it still has.
 */
export function readRetained(store: EventStore, fromSeq: number): ConvergeEvent[] {
  try {
    return store.read(fromSeq);
  } catch (e) {
    if (e instanceof EventsNotRetainedError) return store.read(e.firstRetained);
    throw e;
  }
}
