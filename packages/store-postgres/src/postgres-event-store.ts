import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  type EventStore,
  EventSubscribers,
  type StoredSnapshot,
  type StoreRecords,
  type Unsubscribe,
} from '@converge/core';
import { type ConvergeEvent, eventVersions, type NewEvent, type StoreFencedError } from '@converge/protocol';
import { PostgresRecords } from './postgres-records.js';
import { assertSchemaName, DEFAULT_SCHEMA } from './postgres-schema.js';
import { redactPostgresUrl } from './postgres-url.js';
import { SyncBridge } from './sync-bridge.js';
import { deserializeError } from './worker-errors.js';
import { currentHolder } from './writer-holder.js';

/** The stream a store opens when none is named (the CLI's default outside `--cluster kube`). */
export const DEFAULT_STREAM = 'embedded';

/** Rows a writer checks on open by default, as the sqlite store (docs/performance.md). */
const DEFAULT_TAIL_CHECK = 1000;

export interface PostgresEventStoreOptions {
  /** The stream (one engine's log) in the database; default `embedded`. */
  stream?: string;
  /** PostgreSQL schema holding the store's tables (default `converge`). */
  schema?: string;
  /**
   * Open for reading only: no lease, nothing created or written; `append`, `saveSnapshot` and
   * `records.put` throw. The stream must exist (StoreNotFoundError otherwise).
   */
  readOnly?: boolean;
  /**
   * A lease the caller already holds (`PostgresLeases.acquire`, as `converge fleet` does): the
   * store checks that epoch on every write and neither takes nor renews a lease itself.
   */
  lease?: { owner: string; epoch: number };
  /** The owner recorded in a lease the store takes itself (default: host, pid and a random id). */
  owner?: string;
  /** How long a lease the store takes itself lasts; renewed every third of it (default 30 s). */
  leaseDurationMs?: number;
  /** The run a writer records in its lease's holder, for a second writer's error. */
  runId?: string;
  /** How many of the last rows a writer checks on open (default 1000; `Infinity`: every row). */
  tailCheck?: number;
  /** Told about a subscriber that threw; the append and the other subscribers go on regardless. */
  onListenerError?: (error: unknown, event: ConvergeEvent) => void;
  /**
   * Told once when the store learns that its lease was taken over (by a failed write, or by a
   * failed renewal between writes). Every write after that throws StoreFencedError.
   */
  onFenced?: (error: StoreFencedError) => void;
  /** How long one database call may block before it throws (default 60 s). */
  timeoutMs?: number;
}

/**
 * The EventStore port on PostgreSQL: one stream of a shared database (events keyed by
 * (stream, seq), with the sqlite store's per-row SHA-256 checksums and head, snapshots and
 * records per stream; see postgres-schema.ts). Calls are synchronous, as the port requires:
 * each one runs in a worker thread while this thread waits (sync-bridge.ts); an append is
 * committed when it returns.
 *
 * One writer per stream, by a fenced lease: a writer takes the stream's lease (owner, epoch,
 * expiry) on open and renews it; a second writer on a held stream throws StoreLockedError naming
 * the stream and the holder; a writer whose lease was taken over gets StoreFencedError from its
 * next write, which is refused by the database in the same transaction. Errors name the URL
 * without its password.
 */
export class PostgresEventStore implements EventStore {
  /** `postgres://…` without the password, and the stream: how messages name this store. */
  readonly source: string;
  readonly stream: string;
  /** The lease epoch this writer writes under (0 for a reader). */
  readonly epoch: number;
  readonly records: StoreRecords;
  private readonly bridge: SyncBridge;
  private readonly id: number;
  private readonly subscribers: EventSubscribers;
  private readonly readOnly: boolean;
  private readonly timeoutMs: number;
  private last: number;
  private closed = false;
  private fencedError: StoreFencedError | undefined;
  private readonly onFenced: ((error: StoreFencedError) => void) | undefined;

  constructor(
    readonly url: string,
    options: PostgresEventStoreOptions = {},
  ) {
    this.stream = options.stream ?? DEFAULT_STREAM;
    if (this.stream === '' || this.stream.length > 1024)
      throw new TypeError(`invalid stream name ${JSON.stringify(this.stream)} (1 to 1024 characters)`);
    const schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
    this.source = `${redactPostgresUrl(url)} stream ${JSON.stringify(this.stream)}`;
    this.readOnly = options.readOnly === true;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.subscribers = new EventSubscribers(options.onListenerError);
    this.bridge = SyncBridge.acquire();
    this.id = this.bridge.newStoreId();
    this.onFenced = options.onFenced;
    this.bridge.onNotice(this.id, (notice) => {
      if (notice.type === 'fenced') this.markFenced(deserializeError(notice.error) as StoreFencedError);
    });
    const owner =
      options.lease?.owner ?? options.owner ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
    const tail = options.tailCheck ?? DEFAULT_TAIL_CHECK;
    try {
      const opened = this.bridge.call<{ lastSeq: number; epoch: number }>(
        {
          op: 'open',
          store: this.id,
          url,
          schema,
          stream: this.stream,
          source: this.source,
          readOnly: this.readOnly,
          owner,
          durationMs: options.leaseDurationMs ?? 30_000,
          holder: currentHolder(options.runId),
          ...(options.lease ? { lease: options.lease } : {}),
          tailCheck: Number.isFinite(tail) ? Math.max(1, Math.floor(tail)) : -1,
        },
        this.timeoutMs,
      );
      this.last = opened.lastSeq;
      this.epoch = opened.epoch;
    } catch (e) {
      void this.bridge.release(this.id);
      throw e;
    }
    this.records = new PostgresRecords(
      (call) => this.bridge.call(call, this.timeoutMs),
      this.id,
      () => this.assertWritable(),
      () => this.assertOpen(),
      () => this.fencedError !== undefined && !this.closed,
    );
  }

  /** Whether this writer lost its lease; its writes throw StoreFencedError from then on. */
  get fenced(): StoreFencedError | undefined {
    return this.fencedError;
  }

  /** Appends the batch in one transaction that checks this writer's epoch; all or nothing. */
  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    this.assertWritable();
    if (events.length === 0) return [];
    const stored: ConvergeEvent[] = [];
    const jsons: string[] = [];
    const types: string[] = [];
    const ats: string[] = [];
    let seq = this.last;
    for (const { at, v, ...rest } of events) {
      seq += 1;
      const event = { seq, at, v: v ?? eventVersions[rest.type], ...rest } as ConvergeEvent;
      const json = JSON.stringify(event);
      if (typeof at !== 'string')
        throw new TypeError(`${this.source}: event ${seq} (${rest.type}) has no time`);
      jsons.push(json);
      types.push(event.type);
      ats.push(at);
      stored.push(event);
    }
    this.last = this.call<number>({ op: 'append', store: this.id, first: this.last + 1, types, ats, jsons });
    this.subscribers.notify(stored);
    return stored;
  }

  /** Events with seq >= fromSeq, each checked against its checksum, its row and the head. */
  read(fromSeq = 1): ConvergeEvent[] {
    this.assertOpen();
    const { head, events } = this.call<{ head: number; events: ConvergeEvent[] }>({
      op: 'read',
      store: this.id,
      fromSeq,
    });
    if (this.readOnly) this.last = head;
    return events;
  }

  /** The last seq: a writer's own (it is the only writer), a reader's as the database has it now. */
  lastSeq(): number {
    if (this.readOnly && !this.closed) this.last = this.call<number>({ op: 'head', store: this.id });
    return this.last;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    return this.subscribers.subscribe(listener);
  }

  /** Replaces the stream's snapshot; RangeError for a seq beyond the log. */
  saveSnapshot(snapshot: StoredSnapshot): void {
    this.assertWritable();
    if (!Number.isInteger(snapshot.seq) || snapshot.seq < 0 || snapshot.seq > this.last)
      throw new RangeError(`snapshot seq ${snapshot.seq} is outside the log (last seq ${this.last})`);
    const json = JSON.stringify({ seq: snapshot.seq, state: snapshot.state });
    this.call({ op: 'saveSnapshot', store: this.id, seq: snapshot.seq, json });
  }

  /** The stream's snapshot; StoreCorruptionError (its seq) when it is corrupt or beyond the log. */
  loadSnapshot(): StoredSnapshot | undefined {
    this.assertOpen();
    return this.call<StoredSnapshot | undefined>({ op: 'loadSnapshot', store: this.id }) ?? undefined;
  }

  /** Every append is committed before it returns: nothing to wait for. */
  async flush(): Promise<void> {}

  /** Releases the lease (a writer), closes the connection; twice is a no-op. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribers.clear();
    try {
      this.bridge.call({ op: 'close', store: this.id }, this.timeoutMs);
    } finally {
      await this.bridge.release(this.id);
    }
  }

  private call<T>(request: Parameters<SyncBridge['call']>[0]): T {
    try {
      return this.bridge.call<T>(request, this.timeoutMs);
    } catch (e) {
      if ((e as { code?: string }).code === 'STORE_FENCED') this.markFenced(e as StoreFencedError);
      throw e;
    }
  }

  /** Remembers the loss (later writes throw it) and tells `onFenced` once, outside the failed call. */
  private markFenced(error: StoreFencedError): void {
    if (this.fencedError || this.closed) return;
    this.fencedError = error;
    const told = this.onFenced;
    if (told) queueMicrotask(() => told(error));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.source}: the event store is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new Error(`${this.source}: the event store is open read-only`);
    if (this.fencedError) throw this.fencedError;
  }
}

/**
 * Opens one stream of the PostgreSQL store at `url` (`postgres://…`). A writer (the default)
 * creates the schema and the stream when missing and takes the stream's lease (StoreLockedError
 * while another live writer holds it); with `readOnly` nothing is created (StoreNotFoundError for
 * a database without the store or the stream).
 */
export function openPostgresEventStore(
  url: string,
  options: PostgresEventStoreOptions = {},
): PostgresEventStore {
  return new PostgresEventStore(url, options);
}

/** Opens a stream for reading only: never takes the lease, never creates anything. */
export function openPostgresEventReader(
  url: string,
  options: Pick<PostgresEventStoreOptions, 'stream' | 'schema' | 'onListenerError' | 'timeoutMs'> = {},
): PostgresEventStore {
  return new PostgresEventStore(url, { ...options, readOnly: true });
}
