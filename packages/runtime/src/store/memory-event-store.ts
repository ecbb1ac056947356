import {
  type EventStore,
  EventSubscribers,
  type StoredSnapshot,
  type StoreRecords,
  type Unsubscribe,
} from '@converge/core';
import { type ConvergeEvent, EventsNotRetainedError, eventVersions, type NewEvent } from '@converge/protocol';

export interface MemoryEventStoreOptions {
  /** Told about a subscriber that threw; the append and the other subscribers go on regardless. */
  onListenerError?: (error: unknown, event: ConvergeEvent) => void;
  /**
   * Keep only the last `retain` events (default: all). Older events are dropped, seqs go on, and
   * `read(fromSeq)` below the retained window throws EventsNotRetainedError; `read()` returns
   * what is retained. For processes that run for weeks on a memory store. An engine started on
   * a non-empty bounded store resumes from its snapshot, so keep `retain` at least the engine's
   * `snapshotEvery` (default 10,000).
   */
  retain?: number;
}

/**
 * The in-memory event store: O(1) appends with gap-free 1-based seqs, `v` defaulting to the
 * type's current version, subscribers called synchronously in order after each append, and one
 * snapshot slot (saved and loaded as copies, as a durable store would). With `retain` it keeps a
 * bounded tail of the log.
 */
export class MemoryEventStore implements EventStore {
  /** Retained events from `events[head]` on; the dropped prefix is cut off in amortized O(1). */
  private events: ConvergeEvent[] = [];
  private head = 0;
  private last = 0;
  private readonly retain: number;
  private readonly subscribers: EventSubscribers;
  private snapshot: StoredSnapshot | undefined;
  readonly records: StoreRecords = new MemoryRecords();

  constructor(options: MemoryEventStoreOptions = {}) {
    this.subscribers = new EventSubscribers(options.onListenerError);
    const retain = options.retain ?? Number.POSITIVE_INFINITY;
    if (!(retain >= 1)) throw new RangeError(`retain must be at least 1, got ${options.retain}`);
    this.retain = retain;
  }

  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    const stored: ConvergeEvent[] = [];
    for (const { at, v, ...rest } of events) {
      // seq, at, v and type first: the order a person reading the log expects.
      const seq = ++this.last;
      const event = { seq, at, v: v ?? eventVersions[rest.type], ...rest } as ConvergeEvent;
      this.events.push(event);
      stored.push(event);
    }
    this.drop();
    this.subscribers.notify(stored);
    return stored;
  }

  /**
   * Events with seq >= `fromSeq`; without `fromSeq`, every retained event. Throws
   * EventsNotRetainedError when `fromSeq` is below the first retained seq.
   */
  read(fromSeq?: number): ConvergeEvent[] {
    const first = this.firstSeq();
    if (fromSeq === undefined) return this.events.slice(this.head);
    if (first > 1 && fromSeq < first)
      throw new EventsNotRetainedError(
        `events from seq ${fromSeq} are no longer retained (this memory store keeps the last ${this.retain}, from seq ${first})`,
        fromSeq,
        first,
      );
    return this.events.slice(this.head + Math.max(0, fromSeq - first));
  }

  /** The seq of the oldest retained event (lastSeq() + 1 when none is). */
  firstSeq(): number {
    return this.last - (this.events.length - this.head) + 1;
  }

  lastSeq(): number {
    return this.last;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    return this.subscribers.subscribe(listener);
  }

  /** Keeps a copy of `snapshot`; throws RangeError for a seq beyond the log. */
  saveSnapshot(snapshot: StoredSnapshot): void {
    if (!Number.isInteger(snapshot.seq) || snapshot.seq < 0 || snapshot.seq > this.last)
      throw new RangeError(`snapshot seq ${snapshot.seq} is outside the log (last seq ${this.last})`);
    this.snapshot = structuredClone(snapshot);
  }

  loadSnapshot(): StoredSnapshot | undefined {
    return this.snapshot === undefined ? undefined : structuredClone(this.snapshot);
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.subscribers.clear();
  }

  /** Forgets events beyond `retain`; the array is cut once the dropped prefix is as long as the window. */
  private drop() {
    const excess = this.events.length - this.head - this.retain;
    if (excess <= 0) return;
    this.events.fill(undefined as unknown as ConvergeEvent, this.head, this.head + excess);
    this.head += excess;
    if (this.head >= this.retain) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
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
