import {
  type EventStore,
  EventSubscribers,
  type StoredSnapshot,
  type StoreRecords,
  type Unsubscribe,
} from '@converge/core';
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
  private readonly subscribers: EventSubscribers;
  private snapshot: StoredSnapshot | undefined;
  readonly records: StoreRecords = new MemoryRecords();

  constructor(options: MemoryEventStoreOptions = {}) {
    this.subscribers = new EventSubscribers(options.onListenerError);
  }

  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    const stored: ConvergeEvent[] = [];
    for (const { at, v, ...rest } of events) {
      // seq, at, v and type first: the order a person reading the log expects.
      const seq = this.events.length + 1;
      const event = { seq, at, v: v ?? eventVersions[rest.type], ...rest } as ConvergeEvent;
      this.events.push(event);
      stored.push(event);
    }
    this.subscribers.notify(stored);
    return stored;
  }

  read(fromSeq = 1): ConvergeEvent[] {
    return this.events.slice(Math.max(0, fromSeq - 1));
  }

  lastSeq(): number {
    return this.events.length;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    return this.subscribers.subscribe(listener);
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
    this.subscribers.clear();
  }
}

/** Records kept as JSON text, so that `get` returns a copy as a durable store would. */
class MemoryRecords implements StoreRecords {
  private readonly map = new Map<string, string>();

  get(key: string): unknown {
    const text = this.map.get(key);
    return text === undefined ? undefined : JSON.parse(text);
  }

  put(key: string, value: unknown): void {
    this.map.set(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  keys(prefix = ''): string[] {
    return [...this.map.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}
