import type { StoreHolder } from '@converge/protocol';
import pg from 'pg';
import { ensureSchema, listStreams, type Queryable } from './postgres-queries.js';
import { assertSchemaName, DEFAULT_SCHEMA } from './postgres-schema.js';
import { redactPostgresUrl } from './postgres-url.js';
import { currentHolder } from './writer-holder.js';

/**
 * Writer leases: one row per stream (owner, epoch, expiry, holder) in the store's `leases` table.
 * Taking a lease always raises its epoch; every write of a store checks its epoch in the write's
 * own transaction (postgres-schema.ts), so a writer whose lease was taken over writes nothing more
 * and gets StoreFencedError. Expiry is the database's clock (`clock_timestamp()`), never a host's.
 */

/** A stream's lease as stored. */
export interface StreamLease {
  stream: string;
  /** Who holds it: a fleet replica's ID, or a `converge run` process's own ID. */
  owner: string;
  /** Raised by every acquisition; a write with an older epoch is refused. */
  epoch: number;
  /** ISO time (database clock) after which another owner may take the lease. */
  expiresAt: string;
  acquiredAt: string;
  /** pid, host and start time of the holding process (and its run id) when it recorded them. */
  holder?: StoreHolder;
}

export interface AcquireLeaseOptions {
  owner: string;
  /** How long the lease lasts unless renewed (addon-operator's Lease: 30 s). */
  durationMs: number;
  holder?: StoreHolder;
  /** Take the lease even while another owner holds it unexpired (an operator's forced takeover). */
  takeOver?: boolean;
}

/** What `acquire` found: the lease now held, or the live lease of another owner. */
export type AcquireResult = { acquired: true; lease: StreamLease } | { acquired: false; heldBy: StreamLease };

interface LeaseRow {
  stream: string;
  owner: string;
  epoch: string;
  expires_at: Date;
  acquired_at: Date;
  holder: StoreHolder | null;
}

const COLUMNS = 'stream, owner, epoch, expires_at, acquired_at, holder';

function toLease(row: LeaseRow): StreamLease {
  return {
    stream: row.stream,
    owner: row.owner,
    epoch: Number(row.epoch),
    expiresAt: row.expires_at.toISOString(),
    acquiredAt: row.acquired_at.toISOString(),
    ...(row.holder ? { holder: { ...row.holder, owner: row.owner } } : {}),
  };
}

/**
 * Takes the stream's lease if it is free, expired, already the owner's, or `takeOver` is set; a
 * holder that used a session lock whose session is gone counts as free (`sessionLockHeld`: the
 * caller holds that stream's session advisory lock now). Creates the stream's row if missing.
 */
export async function acquireLease(
  db: Queryable,
  schema: string,
  stream: string,
  options: AcquireLeaseOptions & { sessionLock?: boolean },
): Promise<AcquireResult> {
  const s = assertSchemaName(schema);
  const { rows } = await db.query<LeaseRow>(
    `WITH created AS (INSERT INTO ${s}.streams (stream) VALUES ($1) ON CONFLICT (stream) DO NOTHING)
     INSERT INTO ${s}.leases AS l (stream, owner, epoch, expires_at, acquired_at, holder, session_lock)
     VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond', clock_timestamp(), $4, $5)
     ON CONFLICT (stream) DO UPDATE SET owner = EXCLUDED.owner, epoch = l.epoch + 1,
       expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at, holder = EXCLUDED.holder,
       session_lock = EXCLUDED.session_lock
     WHERE $6 OR l.expires_at <= clock_timestamp() OR l.owner = EXCLUDED.owner OR ($5 AND l.session_lock)
     RETURNING ${COLUMNS}`,
    [
      stream,
      options.owner,
      Math.max(1, Math.round(options.durationMs)),
      options.holder ? JSON.stringify(options.holder) : null,
      options.sessionLock === true,
      options.takeOver === true,
    ],
  );
  if (rows.length > 0) return { acquired: true, lease: toLease(rows[0]) };
  const current = await getLease(db, schema, stream);
  if (current === undefined)
    throw new Error(`the lease of stream ${JSON.stringify(stream)} vanished while acquiring it`);
  return { acquired: false, heldBy: current };
}

/** Extends a held lease by `durationMs` from now; undefined when it was taken over (lost). */
export async function renewLease(
  db: Queryable,
  schema: string,
  lease: Pick<StreamLease, 'stream' | 'owner' | 'epoch'>,
  durationMs: number,
): Promise<StreamLease | undefined> {
  const s = assertSchemaName(schema);
  const { rows } = await db.query<LeaseRow>(
    `UPDATE ${s}.leases SET expires_at = clock_timestamp() + $4 * interval '1 millisecond'
      WHERE stream = $1 AND owner = $2 AND epoch = $3 RETURNING ${COLUMNS}`,
    [lease.stream, lease.owner, lease.epoch, Math.max(1, Math.round(durationMs))],
  );
  return rows.length > 0 ? toLease(rows[0]) : undefined;
}

/** Ends a held lease now (it expires; its epoch stays), so the next writer need not wait. */
export async function releaseLease(
  db: Queryable,
  schema: string,
  lease: Pick<StreamLease, 'stream' | 'owner' | 'epoch'>,
): Promise<boolean> {
  const s = assertSchemaName(schema);
  const { rowCount } = await db.query(
    `UPDATE ${s}.leases SET expires_at = least(expires_at, clock_timestamp()), session_lock = false
      WHERE stream = $1 AND owner = $2 AND epoch = $3`,
    [lease.stream, lease.owner, lease.epoch],
  );
  return (rowCount ?? 0) > 0;
}

/** The stream's lease, or undefined when it never had one. */
export async function getLease(
  db: Queryable,
  schema: string,
  stream: string,
): Promise<StreamLease | undefined> {
  const s = assertSchemaName(schema);
  const { rows } = await db.query<LeaseRow>(`SELECT ${COLUMNS} FROM ${s}.leases WHERE stream = $1`, [stream]);
  return rows.length > 0 ? toLease(rows[0]) : undefined;
}

/** Every lease of the store, sorted by stream. */
export async function listLeases(db: Queryable, schema: string): Promise<StreamLease[]> {
  const s = assertSchemaName(schema);
  const { rows } = await db.query<LeaseRow>(`SELECT ${COLUMNS} FROM ${s}.leases ORDER BY stream COLLATE "C"`);
  return rows.map(toLease);
}

export interface PostgresLeasesOptions {
  /** PostgreSQL schema of the store (default `converge`). */
  schema?: string;
  /** Connections of the pool (default 4). */
  maxConnections?: number;
}

/**
 * The lease operations of a store's streams, for whoever assigns streams to writers (`converge
 * fleet`): acquire, renew, release, take over, list. Async, on its own connection pool; the
 * schema is created on first use.
 *
 * A fleet replica acquires `acquire(stream, { owner: replicaId, durationMs })`, renews every third
 * of the duration with `renew(lease, durationMs)` (undefined: lost, stop that engine), opens the
 * stream's writer with `openPostgresEventStore(url, { stream, lease })` (the store then checks that
 * epoch on every write and does not renew by itself), and releases with `release(lease)` when it
 * hands the stream back. An expired lease of a replica that stopped renewing is taken by the next
 * `acquire`; the new epoch fences the old writer. Stores opened with `{ lease }` share one small
 * connection pool per URL in the process, however many streams they write.
 */
export class PostgresLeases {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private ready: Promise<void> | undefined;

  constructor(
    readonly url: string,
    options: PostgresLeasesOptions = {},
  ) {
    this.schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
    this.pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 4 });
    // An idle connection that fails is dropped by the pool; queries report their own errors.
    this.pool.on('error', () => {});
  }

  acquire(stream: string, options: AcquireLeaseOptions): Promise<AcquireResult> {
    // The replica's process is recorded as the holder unless the caller names one.
    const holder = options.holder ?? currentHolder();
    return this.withSchema(() => acquireLease(this.pool, this.schema, stream, { ...options, holder }));
  }

  renew(
    lease: Pick<StreamLease, 'stream' | 'owner' | 'epoch'>,
    durationMs: number,
  ): Promise<StreamLease | undefined> {
    return this.withSchema(() => renewLease(this.pool, this.schema, lease, durationMs));
  }

  release(lease: Pick<StreamLease, 'stream' | 'owner' | 'epoch'>): Promise<boolean> {
    return this.withSchema(() => releaseLease(this.pool, this.schema, lease));
  }

  get(stream: string): Promise<StreamLease | undefined> {
    return this.withSchema(() => getLease(this.pool, this.schema, stream));
  }

  list(): Promise<StreamLease[]> {
    return this.withSchema(() => listLeases(this.pool, this.schema));
  }

  /** Every stream of the store with its last seq, sorted by name (for `converge fleet status`). */
  streams(): Promise<{ stream: string; lastSeq: number }[]> {
    return this.withSchema(() => listStreams(this.pool, this.schema));
  }

  /** Ends the pool. */
  close(): Promise<void> {
    return this.pool.end();
  }

  private async withSchema<T>(fn: () => Promise<T>): Promise<T> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        await ensureSchema(client, this.schema, redactPostgresUrl(this.url));
      } finally {
        client.release();
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    return fn();
  }
}
