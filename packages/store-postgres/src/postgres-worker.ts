import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import {
  StoreCorruptionError,
  StoreFencedError,
  type StoreHolder,
  StoreLockedError,
} from '@converge/protocol';
import pg from 'pg';
import { acquireLease, getLease, releaseLease, renewLease } from './postgres-leases.js';
import {
  ensureSchema,
  getRecord,
  loadSnapshot,
  readEvents,
  recordKeys,
  type StreamAt,
  seqBeyondHead,
  streamHead,
} from './postgres-queries.js';
import { rowChecksum } from './postgres-rows.js';
import { FENCED_SQLSTATE, SEQ_CONFLICT_SQLSTATE } from './postgres-schema.js';
import { serializeError } from './worker-errors.js';
import type { OpenRequest, WorkerRequest, WorkerResponse } from './worker-protocol.js';

/**
 * The worker thread behind PostgresEventStore: it owns the `pg` connections and runs each request
 * of the (blocked) main thread, answering on the response port and waking it through the shared
 * flag. Lease renewals run here on their own timer, so a busy main thread never lets a lease lapse.
 */

const {
  flag: flagBuffer,
  responses,
  notices,
} = workerData as {
  flag: SharedArrayBuffer;
  responses: MessagePort;
  notices: MessagePort;
};
const flag = new Int32Array(flagBuffer);

interface OpenStore extends StreamAt {
  id: number;
  /** A writer's own connection (it holds the stream's session lock); readers use the shared pool. */
  client?: pg.Client;
  db: pg.Pool | pg.Client;
  readOnly: boolean;
  epoch: number;
  owner: string;
  durationMs: number;
  /** Renews a lease this store acquired itself; absent for readers and fleet-managed leases. */
  renewTimer?: ReturnType<typeof setInterval>;
  fenced?: StoreFencedError;
  broken?: Error;
  url: string;
  /** The stream's session lock key (writers that took their own lease). */
  lockKey?: string;
}

const stores = new Map<number, OpenStore>();
const pools = new Map<string, pg.Pool>();
/** `url schema` pairs whose schema this worker has created or checked already. */
const ensured = new Set<string>();

function poolFor(url: string): pg.Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => {});
    pools.set(url, pool);
  }
  return pool;
}

/** Tells the main thread about something that happened outside a request (a lost lease). */
function announce(message: {
  type: 'fenced';
  store: number;
  error: ReturnType<typeof serializeError>;
}): void {
  notices.postMessage(message);
}

function fence(
  store: OpenStore,
  current: { epoch?: number; owner?: string; holder?: StoreHolder } | undefined,
) {
  if (store.fenced) return store.fenced;
  const holder = current?.holder ? { ...current.holder, owner: current.owner } : undefined;
  store.fenced = new StoreFencedError(store.source, store.epoch, current?.epoch, holder);
  if (store.renewTimer) clearInterval(store.renewTimer);
  store.renewTimer = undefined;
  announce({ type: 'fenced', store: store.id, error: serializeError(store.fenced) });
  return store.fenced;
}

/** A writer's connection: a new one with the stream's session lock when the last one was lost. */
function connectWriter(store: OpenStore): pg.Client {
  const client = new pg.Client({
    connectionString: store.url,
    application_name: `converge writer ${store.stream}`.slice(0, 63),
  });
  client.on('error', (e) => {
    if (store.client !== client) return;
    store.broken = new Error(`${store.source}: the connection to PostgreSQL was lost: ${e.message}`, {
      cause: e,
    });
  });
  store.client = client;
  store.db = client;
  return client;
}

/**
 * The store's database handle. A writer whose connection was lost connects again (at most once a
 * call) and goes on only while the lease still has its epoch: a lost connection is no takeover,
 * but a lease taken meanwhile fences it. The session lock is taken again when free; a stale
 * session of ours may still hold it until the server notices, which the epoch makes harmless.
 */
async function dbOf(store: OpenStore): Promise<pg.Pool | pg.Client> {
  if (!store.broken || store.readOnly) return store.db;
  if (!store.client) {
    // A pooled writer: the pool replaces lost connections itself; writes check the epoch.
    store.broken = undefined;
    return store.db;
  }
  const lost = store.broken;
  const old = store.client;
  const client = connectWriter(store);
  old?.end().catch(() => {});
  try {
    await client.connect();
    if (store.lockKey)
      await client.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0))', [store.lockKey]);
    const lease = await getLease(client, store.schema, store.stream);
    store.broken = undefined;
    if (!lease || lease.epoch !== store.epoch || lease.owner !== store.owner) throw fence(store, lease);
    return client;
  } catch (e) {
    if (!store.fenced) store.broken = lost;
    throw e;
  }
}

/**
 * Whether `e` says the connection is gone rather than that the database refused a statement: a
 * socket error (no SQLSTATE), class 08 (connection exception), or the server ending the session
 * (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now).
 */
function isConnectionLoss(e: unknown): boolean {
  const code = (e as { code?: unknown; severity?: unknown } | null)?.code;
  if ((e as { severity?: unknown } | null)?.severity === undefined) return true;
  return typeof code === 'string' && (code.startsWith('08') || /^57P0[123]$/.test(code));
}

/** Runs a write; a fenced or seq-conflict error of the database becomes the store's typed error. */
async function write<T>(store: OpenStore, run: (db: pg.Pool | pg.Client) => Promise<T>): Promise<T> {
  if (store.fenced) throw store.fenced;
  try {
    try {
      return await run(await dbOf(store));
    } catch (e) {
      // A lost connection (not the database refusing the write): connect again and try once more. An append that was committed before its answer was lost is recognised.
      if (store.readOnly || store.fenced || !isConnectionLoss(e)) throw e;
      store.broken ??= new Error(
        `${store.source}: the connection to PostgreSQL was lost: ${(e as Error).message}`,
      );
      return await run(await dbOf(store));
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === FENCED_SQLSTATE) {
      let detail: { epoch?: number; owner?: string; holder?: StoreHolder } | undefined;
      try {
        detail = JSON.parse((e as { detail?: string }).detail ?? '{}');
      } catch {
        detail = undefined;
      }
      throw fence(store, detail);
    }
    if (code === SEQ_CONFLICT_SQLSTATE)
      throw new Error(
        `${store.source}: another writer appended to the stream (its head is seq ${(e as { detail?: string }).detail}); nothing was appended`,
        { cause: e },
      );
    throw e;
  }
}

async function open(req: OpenRequest): Promise<{ lastSeq: number; epoch: number }> {
  const at: StreamAt = { schema: req.schema, stream: req.stream, source: req.source };
  if (req.readOnly) {
    const db = poolFor(req.url);
    const lastSeq = await streamHead(db, at);
    stores.set(req.store, {
      ...at,
      id: req.store,
      url: req.url,
      db,
      readOnly: true,
      epoch: 0,
      owner: '',
      durationMs: 0,
    });
    return { lastSeq, epoch: 0 };
  }
  const store: OpenStore = {
    ...at,
    id: req.store,
    url: req.url,
    db: poolFor(req.url),
    readOnly: false,
    epoch: 0,
    owner: req.owner,
    durationMs: req.durationMs,
  };
  if (req.lease) {
    // A lease held by the caller (a fleet replica): check it, never renew it here. Such a writer
    // needs no session of its own (no session lock), so it shares the worker's pool: a fleet of
    // streams costs a few connections, not one each. Every write still checks the epoch.
    const pool = store.db as pg.Pool;
    const client = await pool.connect();
    try {
      if (!ensured.has(`${req.url} ${req.schema}`)) {
        await ensureSchema(client, req.schema, req.source);
        ensured.add(`${req.url} ${req.schema}`);
      }
      const current = await getLease(client, req.schema, req.stream);
      store.epoch = req.lease.epoch;
      if (!current || current.epoch !== req.lease.epoch || current.owner !== req.lease.owner)
        throw new StoreFencedError(req.source, req.lease.epoch, current?.epoch, current?.holder);
    } finally {
      client.release();
    }
    const lastSeq = await streamHead(pool, at);
    await checkTail(store, lastSeq, req.tailCheck);
    stores.set(req.store, store);
    return { lastSeq, epoch: store.epoch };
  }
  const client = connectWriter(store);
  await client.connect();
  try {
    if (!ensured.has(`${req.url} ${req.schema}`)) {
      await ensureSchema(client, req.schema, req.source);
      ensured.add(`${req.url} ${req.schema}`);
    }
    // The stream's session lock tells a live writer from one whose process (and so session) died.
    store.lockKey = `converge-stream:${req.schema}:${req.stream}`;
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked',
      [store.lockKey],
    );
    const sessionLock = rows[0].locked;
    const result = sessionLock
      ? await acquireLease(client, req.schema, req.stream, {
          owner: req.owner,
          durationMs: req.durationMs,
          holder: req.holder,
          sessionLock: true,
        })
      : { acquired: false as const, heldBy: await getLease(client, req.schema, req.stream) };
    if (!result.acquired) throw new StoreLockedError(req.source, result.heldBy?.holder);
    store.epoch = result.lease.epoch;
    const every = Math.max(50, Math.floor(req.durationMs / 3));
    store.renewTimer = setInterval(() => {
      dbOf(store)
        .then(async (db) => {
          const lease = await renewLease(db, req.schema, store, req.durationMs);
          if (!lease && !store.fenced && stores.has(store.id))
            fence(store, await getLease(db, req.schema, req.stream).catch(() => undefined));
        })
        // A failed renewal (connection trouble) is retried at the next tick; writes check the epoch.
        .catch(() => {});
    }, every);
    const lastSeq = await streamHead(client, at);
    await checkTail(store, lastSeq, req.tailCheck);
    stores.set(req.store, store);
    return { lastSeq, epoch: store.epoch };
  } catch (e) {
    if (store.renewTimer) clearInterval(store.renewTimer);
    await client.end().catch(() => {});
    throw e;
  }
}

/** Refuses a stream whose last `rows` rows are corrupt (checksums, seqs, gaps, rows beyond the head). */
async function checkTail(store: OpenStore, head: number, rows: number): Promise<void> {
  try {
    const beyond = await seqBeyondHead(store.db, store, head);
    if (beyond !== undefined)
      throw new StoreCorruptionError(
        `${store.source}: seq ${beyond} is stored beyond the recorded last seq ${head}`,
        beyond,
      );
    const count = rows === -1 ? head : Math.max(1, Math.floor(rows));
    await readEvents(store.db, store, Math.max(1, head - count + 1));
  } catch (e) {
    if (!(e instanceof StoreCorruptionError)) throw e;
    throw new StoreCorruptionError(`${e.message}; refusing to append to a corrupt store`, e.seq, {
      cause: e,
    });
  }
}

function storeOf(id: number): OpenStore {
  const store = stores.get(id);
  if (!store) throw new Error(`event store ${id} is not open`);
  return store;
}

/** Whether the stream holds exactly this batch at its seqs (an append retried after its commit). */
async function alreadyStored(
  db: pg.Pool | pg.Client,
  store: OpenStore,
  req: { first: number; jsons: string[] },
): Promise<boolean> {
  const { rows } = await db.query<{ json: string }>(
    `SELECT json FROM ${store.schema}.events WHERE stream = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
    [store.stream, req.first, req.first + req.jsons.length],
  );
  return rows.length === req.jsons.length && rows.every((r, i) => r.json === req.jsons[i]);
}

async function close(id: number): Promise<void> {
  const store = stores.get(id);
  if (!store) return;
  stores.delete(id);
  if (store.renewTimer) clearInterval(store.renewTimer);
  if (store.client) {
    if (!store.fenced && !store.broken) await releaseLease(store.client, store.schema, store).catch(() => {});
    await store.client.end().catch(() => {});
  }
}

async function handle(req: WorkerRequest): Promise<unknown> {
  switch (req.op) {
    case 'open':
      return open(req);
    case 'append': {
      const store = storeOf(req.store);
      return write(store, async (db) => {
        try {
          const { rows } = await db.query<{ last: string }>(
            `SELECT ${store.schema}.append_events($1, $2, $3, $4, $5, $6, $7) AS last`,
            [store.stream, store.epoch, req.first, req.types, req.ats, req.jsons, req.jsons.map(rowChecksum)],
          );
          return Number(rows[0].last);
        } catch (e) {
          // Our own batch, committed before its answer was lost with the connection: it is stored.
          if (
            (e as { code?: string }).code === SEQ_CONFLICT_SQLSTATE &&
            (await alreadyStored(db, store, req))
          )
            return req.first + req.jsons.length - 1;
          throw e;
        }
      });
    }
    case 'read': {
      const store = storeOf(req.store);
      return readEvents(await dbOf(store), store, req.fromSeq);
    }
    case 'head':
      return streamHead(await dbOf(storeOf(req.store)), storeOf(req.store));
    case 'saveSnapshot': {
      const store = storeOf(req.store);
      return write(store, async (db) => {
        await db.query(`SELECT ${store.schema}.save_snapshot($1, $2, $3, $4, $5)`, [
          store.stream,
          store.epoch,
          req.seq,
          req.json,
          rowChecksum(req.json),
        ]);
      });
    }
    case 'loadSnapshot': {
      const store = storeOf(req.store);
      return loadSnapshot(await dbOf(store), store);
    }
    case 'getRecord': {
      const store = storeOf(req.store);
      return getRecord(await dbOf(store), store, req.key);
    }
    case 'putRecord': {
      const store = storeOf(req.store);
      return write(store, async (db) => {
        await db.query(`SELECT ${store.schema}.put_record($1, $2, $3, $4)`, [
          store.stream,
          store.epoch,
          req.key,
          req.json,
        ]);
      });
    }
    case 'recordKeys': {
      const store = storeOf(req.store);
      return recordKeys(await dbOf(store), store, req.prefix);
    }
    case 'close':
      return close(req.store);
    case 'shutdown': {
      for (const id of [...stores.keys()]) await close(id);
      for (const pool of pools.values()) await pool.end().catch(() => {});
      pools.clear();
      ensured.clear();
      return undefined;
    }
  }
}

parentPort?.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (result) => reply({ id: req.id, ok: true, result }),
    (error) => reply({ id: req.id, ok: false, error: serializeError(error) }),
  );
});

function reply(response: WorkerResponse): void {
  responses.postMessage(response);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
