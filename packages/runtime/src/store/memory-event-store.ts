import type { EventStore, StoredSnapshot, Unsubscribe } from '@converge/core';
import { type ConvergeEvent, eventVersions, type NewEvent } from '@converge/protocol';

/** The in-memory event store: gap-free seqs, synchronous subscribers, one snapshot slot. */
export class MemoryEventStore implements EventStore {
  private readonly events: ConvergeEvent[] = [];
  private readonly listeners = new Set<(e: ConvergeEvent) => void>();
  private snapshot: StoredSnapshot | undefined;

  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    const stored: ConvergeEvent[] = [];
    for (const e of events) {
      const event = { ...e, seq: this.events.length + 1, v: e.v ?? eventVersions[e.type] } as ConvergeEvent;
      this.events.push(event);
      stored.push(event);
    }
    for (const event of stored) {
      for (const l of this.listeners) {
        try {
          l(event);
        } catch {
          // A failing subscriber must not break the log or other subscribers.
        }
      }
    }
    return stored;
  }

  read(fromSeq = 1): ConvergeEvent[] {
    return this.events.slice(Math.max(0, fromSeq - 1));
  }

  lastSeq(): number {
    return this.events.length;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  saveSnapshot(snapshot: StoredSnapshot): void {
    this.snapshot = snapshot;
  }

  loadSnapshot(): StoredSnapshot | undefined {
    return this.snapshot;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
