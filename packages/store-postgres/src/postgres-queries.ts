import type { ConvergeEvent } from '@converge/protocol';
import { StoreCorruptionError, StoreNotFoundError } from '@converge/protocol';
import type pg from 'pg';
import { decodeEventRows, decodeSnapshotRow, type EventRow } from './postgres-rows.js';
import { assertSchemaName, SCHEMA_VERSION, schemaSql } from './postgres-schema.js';

/**
 * The store's reads and writes as async functions over a `pg` client or pool: the worker behind
 * the synchronous EventStore, the lease API and stream followers all run these.
 */

/** A pg client or pool. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Where a stream lives, for queries and messages. */
export interface StreamAt {
  schema: string;
  stream: string;
  /** `postgres://…` without its password, plus the stream: how errors name the store. */
  source: string;
}

/**
 * Creates the schema, tables and functions unless they exist, under a transaction-scoped advisory
 * lock (two writers starting at once do not collide), and refuses a schema of a newer release.
 */
export async function ensureSchema(client: pg.ClientBase, schema: string, source: string): Promise<void> {
  assertSchemaName(schema);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
      `converge-schema:${schema}`,
    ]);
    const version = await schemaVersion(client, schema);
    if (version !== undefined && version > SCHEMA_VERSION)
      throw new Error(
        `${source}: the store's schema is version ${version}, newer than this release writes (${SCHEMA_VERSION})`,
      );
    if (version !== SCHEMA_VERSION) await client.query(schemaSql(schema));
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** The store schema's version, or undefined when the database holds no converge store. */
export async function schemaVersion(db: Queryable, schema: string): Promise<number | undefined> {
  const { rows } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
    `${schema}.meta`,
  ]);
  if (rows[0]?.t == null) return undefined;
  const meta = await db.query<{ version: number }>(`SELECT version FROM ${schema}.meta WHERE id = 1`);
  return meta.rows[0]?.version;
}

/** The stream's last seq; StoreNotFoundError when the database has no store or no such stream. */
export async function streamHead(db: Queryable, at: StreamAt): Promise<number> {
  let rows: { last_seq: string }[];
  try {
    ({ rows } = await db.query<{ last_seq: string }>(
      `SELECT last_seq FROM ${at.schema}.streams WHERE stream = $1`,
      [at.stream],
    ));
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') throw notFound(at, 'holds no converge event store', e);
    throw e;
  }
  if (rows.length === 0) throw notFound(at, 'has no such stream');
  return Number(rows[0].last_seq);
}

function notFound(at: StreamAt, what: string, cause?: unknown): StoreNotFoundError {
  return new StoreNotFoundError(
    `${at.source}: the database ${what} (streams are created by their first writer)`,
    at.source,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * Events with seq >= from, checked against their checksums and the head, read in one statement
 * (one snapshot of the database, so a writer appending meanwhile cannot look like corruption).
 * With `limit`, at most that many events (the rest are left for the next read).
 */
export async function readEvents(
  db: Queryable,
  at: StreamAt,
  fromSeq: number,
  limit?: number,
): Promise<{ head: number; events: ConvergeEvent[] }> {
  const from = Math.max(1, Math.floor(fromSeq));
  let rows: { last_seq: string; seq: string | null; type: string; json: string; checksum: string }[];
  try {
    ({ rows } = await db.query(
      `SELECT s.last_seq, e.seq, e.type, e.json, e.checksum
         FROM ${at.schema}.streams s
         LEFT JOIN LATERAL (
           SELECT seq, type, json, checksum FROM ${at.schema}.events
            WHERE stream = s.stream AND seq >= $2 ORDER BY seq ${limit !== undefined ? 'LIMIT $3' : ''}
         ) e ON true
        WHERE s.stream = $1 ORDER BY e.seq`,
      limit !== undefined ? [at.stream, from, limit] : [at.stream, from],
    ));
  } catch (e) {
    if ((e as { code?: string }).code === '42P01') throw notFound(at, 'holds no converge event store', e);
    throw e;
  }
  if (rows.length === 0) throw notFound(at, 'has no such stream');
  const head = Number(rows[0].last_seq);
  const eventRows: EventRow[] = [];
  for (const r of rows)
    if (r.seq !== null)
      eventRows.push({ seq: Number(r.seq), type: r.type, json: r.json, checksum: r.checksum });
  const limited = limit !== undefined && eventRows.length === limit;
  const bound = limited ? Math.min(head, from + eventRows.length - 1) : head;
  // A seq stored beyond the head (a row written around the head) is corruption, as in sqlite.
  const beyond = eventRows.find((r) => r.seq > head);
  if (beyond)
    throw new StoreCorruptionError(
      `${at.source}: seq ${beyond.seq} is stored beyond the recorded last seq ${head}`,
      beyond.seq,
    );
  return { head, events: decodeEventRows(eventRows, from, bound, at.source) };
}

/** The first seq stored beyond the head, if any (a writer refuses such a stream). */
export async function seqBeyondHead(db: Queryable, at: StreamAt, head: number): Promise<number | undefined> {
  const { rows } = await db.query<{ seq: string }>(
    `SELECT seq FROM ${at.schema}.events WHERE stream = $1 AND seq > $2 ORDER BY seq LIMIT 1`,
    [at.stream, head],
  );
  return rows.length > 0 ? Number(rows[0].seq) : undefined;
}

/** The stream's snapshot, checked; StoreCorruptionError when it is corrupt or beyond the head. */
export async function loadSnapshot(
  db: Queryable,
  at: StreamAt,
): Promise<{ seq: number; state: unknown } | undefined> {
  const { rows } = await db.query<{ seq: string; json: string; checksum: string; last_seq: string }>(
    `SELECT n.seq, n.json, n.checksum, s.last_seq FROM ${at.schema}.snapshots n
       JOIN ${at.schema}.streams s ON s.stream = n.stream WHERE n.stream = $1`,
    [at.stream],
  );
  if (rows.length === 0) return undefined;
  const row = { seq: Number(rows[0].seq), json: rows[0].json, checksum: rows[0].checksum };
  const snapshot = decodeSnapshotRow(row, at.source);
  const head = Number(rows[0].last_seq);
  if (row.seq > head)
    throw new StoreCorruptionError(
      `${at.source}: snapshot at seq ${row.seq} is beyond the log's last seq ${head}`,
      row.seq,
    );
  return snapshot;
}

/** A record's JSON text, or undefined. */
export async function getRecord(db: Queryable, at: StreamAt, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ json: string }>(
    `SELECT json FROM ${at.schema}.records WHERE stream = $1 AND key = $2`,
    [at.stream, key],
  );
  return rows[0]?.json;
}

/** Record keys that start with `prefix`, in code-point order. */
export async function recordKeys(db: Queryable, at: StreamAt, prefix = ''): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(
    `SELECT key FROM ${at.schema}.records WHERE stream = $1 AND starts_with(key, $2) ORDER BY key COLLATE "C"`,
    [at.stream, prefix],
  );
  return rows.map((r) => r.key);
}

/** Every stream of the store with its last seq, sorted by name (empty when there is no store). */
export async function listStreams(
  db: Queryable,
  schema: string,
): Promise<{ stream: string; lastSeq: number }[]> {
  if ((await schemaVersion(db, schema)) === undefined) return [];
  const { rows } = await db.query<{ stream: string; last_seq: string }>(
    `SELECT stream, last_seq FROM ${schema}.streams ORDER BY stream COLLATE "C"`,
  );
  return rows.map((r) => ({ stream: r.stream, lastSeq: Number(r.last_seq) }));
}
