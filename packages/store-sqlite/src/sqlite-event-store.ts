import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  type EventStore,
  EventSubscribers,
  type StoredSnapshot,
  type StoreRecords,
  type Unsubscribe,
} from '@converge/core';
import {
  type ConvergeEvent,
  eventVersions,
  type NewEvent,
  StoreCorruptionError,
  type UpcastOptions,
} from '@converge/protocol';
import { loadSqlite } from './load-sqlite.js';
import { SqliteRecords } from './sqlite-records.js';
import {
  corruptionFromSqlite,
  decodeEventRow,
  decodeSnapshotRow,
  type EventRow,
  rowChecksum,
  type SnapshotRow,
} from './sqlite-rows.js';
import {
  assertStoreFile,
  checkReadableSchema,
  newerSchema,
  SCHEMA,
  SCHEMA_VERSION,
  userVersion,
} from './sqlite-schema.js';
import { isSqliteUrl, parseSqliteUrl } from './sqlite-url.js';
import { type StoreVerifyReport, verifyRows } from './sqlite-verify.js';
import {
  acquireWriterLock,
  createPrivateFile,
  currentHolder,
  readHolderOf,
  recordHolder,
  type WriterLock,
} from './writer-lock.js';

export interface SqliteEventStoreOptions {
  /**
   * `normal` (default): commits survive a crash of the process, `flush()` makes them survive a
   * power loss too (WAL checkpoint). `full`: every append is synced to disk before it returns.
   */
  synchronous?: 'normal' | 'full';
  /** Told about a subscriber that threw; the append and the other subscribers go on regardless. */
  onListenerError?: (error: unknown, event: ConvergeEvent) => void;
  /**
   * Open for reading only: no lock is taken, nothing is created or written, and `append`,
   * `saveSnapshot` and `records.put` throw. The file must exist and hold an event log
   * (StoreNotFoundError otherwise).
   */
  readOnly?: boolean;
  /** The run a writer records beside its pid, host and start time, for a second writer's error. */
  runId?: string;
  /**
   * How many of the last rows a writer checks on open before it appends (default 1000; `Infinity`
   * checks every row). A corrupt tail is StoreCorruptionError naming the seq.
   */
  tailCheck?: number;
}

/** Rows a writer checks on open by default (measured in docs/performance.md, "Event stores"). */
const DEFAULT_TAIL_CHECK = 1000;

/**
 * A durable event store in one SQLite file (built-in `node:sqlite`, WAL mode). Each append is one
 * transaction; every event and snapshot row keeps a SHA-256 of its JSON, and the head row keeps
 * the last seq, so a corrupt row, a row from another seq, a gap or a lost tail makes `read` (or
 * `loadSnapshot`) throw StoreCorruptionError naming the seq, instead of returning less.
 *
 * One writer per file: a writer holds `<path>.lock` (see writer-lock.ts) until `close()` or the
 * end of its process, records itself in the `writer` table, and refuses a store whose last rows
 * are corrupt. A second writer throws StoreLockedError naming the holder. Files a writer creates
 * are 0600 (SQLite gives `-wal` and `-shm` the mode of the database file).
 */
export class SqliteEventStore implements EventStore {
  private readonly db: DatabaseSync;
  private readonly stmt: Record<
    'head' | 'setHead' | 'insert' | 'readFrom' | 'saveSnapshot' | 'pruneSnapshots' | 'loadSnapshot',
    StatementSync
  >;
  private readonly subscribers: EventSubscribers;
  private readonly lock: WriterLock | undefined;
  private readonly readOnly: boolean;
  private last = 0;
  private closed = false;
  /** Named JSON records in the same file (the `records` table). */
  readonly records: StoreRecords;

  constructor(
    readonly path: string,
    options: SqliteEventStoreOptions = {},
  ) {
    this.subscribers = new EventSubscribers(options.onListenerError);
    this.readOnly = options.readOnly === true;
    const onDisk = path !== ':memory:' && !path.startsWith('file:');
    const { DatabaseSync } = loadSqlite();
    let db: DatabaseSync;
    let hasRecords = true;
    if (this.readOnly) {
      if (onDisk) assertStoreFile(path);
      db = new DatabaseSync(path, { readOnly: true });
      try {
        // Waits only on SQLite's own short locks (WAL recovery), never on the writer's lock file.
        db.exec('PRAGMA busy_timeout = 5000');
        hasRecords = checkReadableSchema(db, path);
      } catch (e) {
        db.close();
        throw corruptionFromSqlite(e, 0, `${path} cannot be opened as an event store`) ?? e;
      }
    } else {
      this.lock = onDisk ? acquireWriterLock(path, () => readHolderOf(path)) : undefined;
      try {
        if (onDisk) createPrivateFile(path);
        db = new DatabaseSync(path);
      } catch (e) {
        this.lock?.release();
        throw e;
      }
      try {
        db.exec('PRAGMA busy_timeout = 5000');
        db.exec('PRAGMA journal_mode = WAL');
        db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        const version = userVersion(db);
        if (version > SCHEMA_VERSION) throw newerSchema(path, version);
        db.exec(SCHEMA);
        if (version < SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
        recordHolder(db, currentHolder(options.runId));
      } catch (e) {
        db.close();
        this.lock?.release();
        throw corruptionFromSqlite(e, 0, `${path} cannot be opened as an event store`) ?? e;
      }
    }
    this.db = db;
    this.stmt = {
      head: db.prepare('SELECT last_seq FROM head WHERE id = 1'),
      setHead: db.prepare('UPDATE head SET last_seq = ? WHERE id = 1'),
      insert: db.prepare('INSERT INTO events (seq, type, at, json, checksum) VALUES (?, ?, ?, ?, ?)'),
      readFrom: db.prepare('SELECT seq, type, at, json, checksum FROM events WHERE seq >= ? ORDER BY seq'),
      saveSnapshot: db.prepare('INSERT OR REPLACE INTO snapshots (seq, json, checksum) VALUES (?, ?, ?)'),
      pruneSnapshots: db.prepare('DELETE FROM snapshots WHERE seq <> ?'),
      loadSnapshot: db.prepare('SELECT seq, json, checksum FROM snapshots ORDER BY seq DESC LIMIT 1'),
    };
    this.records = new SqliteRecords(
      db,
      path,
      () => this.assertWritable(),
      () => this.assertOpen(),
      hasRecords,
    );
    this.last = this.head();
    if (!this.readOnly) {
      try {
        this.checkTail(options.tailCheck ?? DEFAULT_TAIL_CHECK);
      } catch (e) {
        this.db.close();
        this.lock?.release();
        throw e;
      }
    }
  }

  /** Appends the batch in one transaction; nothing is stored (and the error is thrown) if any row fails. */
  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    this.assertWritable();
    if (events.length === 0) return [];
    const stored: ConvergeEvent[] = [];
    this.db.exec('BEGIN IMMEDIATE');
    let seq: number;
    try {
      // The head is read inside the transaction, so even a writer that bypassed the lock file
      // (another release, a raw connection) cannot make a gap.
      seq = this.head();
      for (const { at, v, ...rest } of events) {
        seq += 1;
        const event = { seq, at, v: v ?? eventVersions[rest.type], ...rest } as ConvergeEvent;
        const json = JSON.stringify(event);
        this.stmt.insert.run(seq, event.type, at, json, rowChecksum(json));
        stored.push(event);
      }
      this.stmt.setHead.run(seq);
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // SQLite may already have rolled back; the original error is what matters.
      }
      throw e;
    }
    this.last = seq;
    this.subscribers.notify(stored);
    return stored;
  }

  /** Events with seq >= fromSeq, each checked against its checksum, its row and the head. */
  read(fromSeq = 1): ConvergeEvent[] {
    this.assertOpen();
    const from = Math.max(1, Math.floor(fromSeq));
    let expected = from;
    const out: ConvergeEvent[] = [];
    try {
      const head = this.head();
      this.last = head;
      for (const row of this.stmt.readFrom.iterate(from) as Iterable<EventRow>) {
        if (row.seq !== expected)
          throw new StoreCorruptionError(
            `${this.path}: seq ${expected} is missing (the next stored row is seq ${row.seq})`,
            expected,
          );
        if (row.seq > head)
          throw new StoreCorruptionError(
            `${this.path}: seq ${row.seq} is stored beyond the recorded last seq ${head}`,
            row.seq,
          );
        out.push(decodeEventRow(row, this.path));
        expected += 1;
      }
      if (expected <= head)
        throw new StoreCorruptionError(
          `${this.path}: seq ${expected}${expected < head ? `..${head}` : ''} missing (last seq is ${head})`,
          expected,
        );
    } catch (e) {
      throw corruptionFromSqlite(e, expected, `${this.path}: reading seq ${expected} failed`) ?? e;
    }
    return out;
  }

  /**
   * Checks the whole store without stopping at the first problem: every row's checksum, seq and
   * place (gaps, a lost tail), every event against `convergeEventSchema` (after upcasting), and
   * the snapshot. `read` checks only checksums and seqs, for speed.
   */
  verify(upcast: UpcastOptions = {}): StoreVerifyReport {
    this.assertOpen();
    return verifyRows({
      path: this.path,
      head: this.head(),
      rows: () => this.stmt.readFrom.iterate(1) as Iterable<EventRow>,
      loadSnapshot: () => this.loadSnapshot(),
      upcast,
    });
  }

  /** The recorded last seq, read from the file so that appends through another handle count. */
  lastSeq(): number {
    if (!this.closed) this.last = this.head();
    return this.last;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    return this.subscribers.subscribe(listener);
  }

  /** Stores the snapshot (as JSON) and drops older ones; throws RangeError for a seq beyond the log. */
  saveSnapshot(snapshot: StoredSnapshot): void {
    this.assertWritable();
    const head = this.head();
    if (!Number.isInteger(snapshot.seq) || snapshot.seq < 0 || snapshot.seq > head)
      throw new RangeError(`snapshot seq ${snapshot.seq} is outside the log (last seq ${head})`);
    const json = JSON.stringify({ seq: snapshot.seq, state: snapshot.state });
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.stmt.saveSnapshot.run(snapshot.seq, json, rowChecksum(json));
      this.stmt.pruneSnapshots.run(snapshot.seq);
      this.db.exec('COMMIT');
    } catch (e) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // Already rolled back.
      }
      throw e;
    }
  }

  /** The newest snapshot; throws StoreCorruptionError (its seq) when it is corrupt or beyond the log. */
  loadSnapshot(): StoredSnapshot | undefined {
    this.assertOpen();
    let row: SnapshotRow | undefined;
    try {
      row = this.stmt.loadSnapshot.get() as SnapshotRow | undefined;
    } catch (e) {
      throw corruptionFromSqlite(e, 0, `${this.path}: reading the snapshot failed`) ?? e;
    }
    if (row === undefined) return undefined;
    const snapshot = decodeSnapshotRow(row, this.path);
    const head = this.head();
    if (row.seq > head)
      throw new StoreCorruptionError(
        `${this.path}: snapshot at seq ${row.seq} is beyond the log's last seq ${head}`,
        row.seq,
      );
    return snapshot;
  }

  /** Checkpoints the WAL into the database file, so everything appended survives a power loss. */
  async flush(): Promise<void> {
    if (this.closed || this.readOnly) return;
    this.db.exec('PRAGMA wal_checkpoint(FULL)');
  }

  /** Closes the file (SQLite checkpoints on close), then releases the writer lock; twice is a no-op. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscribers.clear();
    try {
      this.db.close();
    } finally {
      this.lock?.release();
    }
  }

  /**
   * Checks the last `rows` rows (checksums, seqs, no gap, nothing beyond the head) and rethrows
   * the first problem as StoreCorruptionError saying that the store is refused for writing.
   */
  private checkTail(rows: number): void {
    const head = this.head();
    const beyond = this.db.prepare('SELECT seq FROM events WHERE seq > ? ORDER BY seq LIMIT 1').get(head) as
      | { seq: number }
      | undefined;
    try {
      if (beyond !== undefined)
        throw new StoreCorruptionError(
          `${this.path}: seq ${beyond.seq} is stored beyond the recorded last seq ${head}`,
          Number(beyond.seq),
        );
      const count = Number.isFinite(rows) ? Math.max(1, Math.floor(rows)) : head;
      this.read(Math.max(1, head - count + 1));
    } catch (e) {
      if (!(e instanceof StoreCorruptionError)) throw e;
      throw new StoreCorruptionError(`${e.message}; refusing to append to a corrupt store`, e.seq, {
        cause: e,
      });
    }
  }

  private head(): number {
    const row = this.stmt.head.get() as { last_seq: number } | undefined;
    if (row === undefined) throw new StoreCorruptionError(`${this.path}: the head row is missing`, 0);
    return Number(row.last_seq);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.path}: the event store is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new Error(`${this.path}: the event store is open read-only`);
  }
}

/**
 * Opens the event store at a file path or a `sqlite:PATH` location. A writer (the default) creates
 * a missing store 0600 and missing directories 0700, and throws StoreLockedError while another
 * writer holds it. With `readOnly` nothing is created (StoreNotFoundError for a missing or empty
 * file). Throws StoreCorruptionError (seq 0) when the file is not a database.
 */
export function openSqliteEventStore(
  location: string,
  options: SqliteEventStoreOptions = {},
): SqliteEventStore {
  const path = isSqliteUrl(location) ? parseSqliteUrl(location) : location;
  if (!options.readOnly && path !== ':memory:' && !path.startsWith('file:'))
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return new SqliteEventStore(path, options);
}

/** Opens the store for reading only: never waits for the writer, never creates anything. */
export function openSqliteEventReader(
  location: string,
  options: Omit<SqliteEventStoreOptions, 'readOnly' | 'runId' | 'tailCheck'> = {},
): SqliteEventStore {
  return openSqliteEventStore(location, { ...options, readOnly: true });
}
