import type { EventStore, StoredSnapshot, Unsubscribe } from '@converge/core';
import { type ConvergeEvent, eventVersions, type NewEvent } from '@converge/protocol';

export interface MemoryEventStoreOptions {
  /** Told about a subscriber that threw; the append and the other subscribers go on regardless. */
  onListenerError?: (error: unknown, event: ConvergeEvent) => void;
}

/**
 * The in-memory event store: O(1) appends with gap-free 1-based seqs, `v` defaulting to the
 * type's current version, subscribers called synchronously in order after each append, and one
 * snapshot slot (saved and loaded as copies, as a durable store would).
 */
export class MemoryEventStore implements EventStore {
  private readonly events: ConvergeEvent[] = [];
  private readonly listeners = new Set<(e: ConvergeEvent) => void>();
  private snapshot: StoredSnapshot | undefined;

  constructor(private readonly options: MemoryEventStoreOptions = {}) {}

  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    const stored: ConvergeEvent[] = [];
    for (const { at, v, ...rest } of events) {
      // seq, at, v and type first: the order a person reading the log expects.
      const seq = this.events.length + 1;
      const event = { seq, at, v: v ?? eventVersions[rest.type], ...rest } as ConvergeEvent;
      this.events.push(event);
      stored.push(event);
    }
    if (this.listeners.size > 0) this.notify(stored);
    return stored;
  }

  read(fromSeq = 1): ConvergeEvent[] {
    return this.events.slice(Math.max(0, fromSeq - 1));
  }

  lastSeq(): number {
    return this.events.length;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    // Each subscription is its own entry, so subscribing the same function twice calls it twice.
    const entry = (event: ConvergeEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Keeps a copy of `snapshot`; throws RangeError for a seq beyond the log. */
  saveSnapshot(snapshot: StoredSnapshot): void {
    if (!Number.isInteger(snapshot.seq) || snapshot.seq < 0 || snapshot.seq > this.events.length)
      throw new RangeError(
        `snapshot seq ${snapshot.seq} is outside the log (last seq ${this.events.length})`,
      );
    this.snapshot = structuredClone(snapshot);
  }

  loadSnapshot(): StoredSnapshot | undefined {
    return this.snapshot === undefined ? undefined : structuredClone(this.snapshot);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.listeners.clear();
  }

  /**
   * Hands each event to each listener subscribed when the append began, in order; one that
   * unsubscribes meanwhile gets nothing more, and one that throws is reported and skipped.
   */
  private notify(events: readonly ConvergeEvent[]): void {
    const listeners = [...this.listeners];
    for (const event of events) {
      for (const listener of listeners) {
        if (!this.listeners.has(listener)) continue;
        try {
          listener(event);
        } catch (error) {
          try {
            this.options.onListenerError?.(error, event);
          } catch {
            // The reporter failed too; the log stays intact either way.
          }
        }
      }
    }
  }
}
