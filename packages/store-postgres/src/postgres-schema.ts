/**
 * The tables and functions of the PostgreSQL event store, in one PostgreSQL schema (default
 * `converge`) shared by every stream of a database.
 *
 * - `streams`: one row per stream with its last seq (the head, as in the sqlite store).
 * - `events`: keyed by (stream, seq); the event's JSON as text (exactly the bytes its SHA-256
 *   checksum covers; `jsonb` would reorder keys) with its type and time.
 * - `snapshots`: the newest snapshot of each stream.
 * - `records`: named JSON records beside a stream (the embedded cluster and releases).
 * - `leases`: one writer lease per stream (owner, epoch, expiry, holder). Every write checks the
 *   writer's epoch in its own transaction (see `append_events`), so a deposed writer writes nothing.
 */

/** The schema version this release writes (`meta.version`). */
export const SCHEMA_VERSION = 1;

/** The default PostgreSQL schema that holds the tables. */
export const DEFAULT_SCHEMA = 'converge';

/** SQLSTATEs the store's functions raise (class "CV", user-defined). */
export const FENCED_SQLSTATE = 'CV001';
export const SEQ_CONFLICT_SQLSTATE = 'CV002';

/** Throws TypeError unless `schema` is a plain lower-case identifier (it is spliced into SQL). */
export function assertSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new TypeError(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)} (lower-case letters, digits, _)`,
    );
  return schema;
}

/** The NOTIFY channel on which appends to streams of `schema` are announced (`stream\nlastSeq`). */
export const notifyChannel = (schema: string): string => `${schema}_events`;

/**
 * DDL of the store, idempotent; run in a transaction under an advisory lock, so that two writers
 * creating it at once do not collide.
 */
export function schemaSql(schema: string): string {
  const s = assertSchemaName(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.meta (
  id int PRIMARY KEY CHECK (id = 1),
  version int NOT NULL
);
INSERT INTO ${s}.meta (id, version) VALUES (1, ${SCHEMA_VERSION}) ON CONFLICT (id) DO NOTHING;
CREATE TABLE IF NOT EXISTS ${s}.streams (
  stream text PRIMARY KEY,
  last_seq bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS ${s}.events (
  stream text NOT NULL,
  seq bigint NOT NULL,
  type text NOT NULL,
  at text NOT NULL,
  json text NOT NULL,
  checksum text NOT NULL,
  PRIMARY KEY (stream, seq)
);
CREATE TABLE IF NOT EXISTS ${s}.snapshots (
  stream text PRIMARY KEY,
  seq bigint NOT NULL,
  json text NOT NULL,
  checksum text NOT NULL
);
CREATE TABLE IF NOT EXISTS ${s}.records (
  stream text NOT NULL,
  key text COLLATE "C" NOT NULL,
  json text NOT NULL,
  PRIMARY KEY (stream, key)
);
CREATE TABLE IF NOT EXISTS ${s}.leases (
  stream text PRIMARY KEY,
  owner text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  holder jsonb,
  session_lock boolean NOT NULL DEFAULT false
);

-- Raises ${FENCED_SQLSTATE} unless p_epoch is the stream's lease epoch. Locks the lease row (FOR SHARE),
-- so a takeover waits for the write in progress to commit, and every later write sees the new epoch.
CREATE OR REPLACE FUNCTION ${s}.check_epoch(p_stream text, p_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE cur record;
BEGIN
  SELECT epoch, owner, holder INTO cur FROM ${s}.leases WHERE stream = p_stream FOR SHARE;
  IF cur.epoch IS DISTINCT FROM p_epoch THEN
    RAISE EXCEPTION 'stream % is fenced', p_stream USING ERRCODE = '${FENCED_SQLSTATE}',
      DETAIL = coalesce(json_build_object('epoch', cur.epoch, 'owner', cur.owner, 'holder', cur.holder)::text, '{}');
  END IF;
END $$;

-- Appends one batch: checks the epoch, then that the stream's head is p_first - 1 (else ${SEQ_CONFLICT_SQLSTATE}),
-- inserts the rows, moves the head and announces the new last seq. One statement, one transaction.
CREATE OR REPLACE FUNCTION ${s}.append_events(
  p_stream text, p_epoch bigint, p_first bigint,
  p_types text[], p_ats text[], p_jsons text[], p_checksums text[]
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE head bigint; last bigint := p_first + cardinality(p_jsons) - 1;
BEGIN
  PERFORM ${s}.check_epoch(p_stream, p_epoch);
  SELECT last_seq INTO head FROM ${s}.streams WHERE stream = p_stream FOR UPDATE;
  IF head IS DISTINCT FROM p_first - 1 THEN
    RAISE EXCEPTION 'stream % is at seq %, not %', p_stream, head, p_first - 1
      USING ERRCODE = '${SEQ_CONFLICT_SQLSTATE}', DETAIL = coalesce(head::text, '');
  END IF;
  INSERT INTO ${s}.events (stream, seq, type, at, json, checksum)
    SELECT p_stream, p_first + i - 1, p_types[i], p_ats[i], p_jsons[i], p_checksums[i]
    FROM generate_subscripts(p_jsons, 1) AS i;
  UPDATE ${s}.streams SET last_seq = last WHERE stream = p_stream;
  PERFORM pg_notify('${notifyChannel(s)}', p_stream || chr(10) || last::text);
  RETURN last;
END $$;

-- Replaces the stream's snapshot (epoch-checked).
CREATE OR REPLACE FUNCTION ${s}.save_snapshot(
  p_stream text, p_epoch bigint, p_seq bigint, p_json text, p_checksum text
) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ${s}.check_epoch(p_stream, p_epoch);
  INSERT INTO ${s}.snapshots (stream, seq, json, checksum) VALUES (p_stream, p_seq, p_json, p_checksum)
    ON CONFLICT (stream) DO UPDATE SET seq = EXCLUDED.seq, json = EXCLUDED.json, checksum = EXCLUDED.checksum;
END $$;

-- Puts (p_json not null) or deletes (p_json null) a record (epoch-checked).
CREATE OR REPLACE FUNCTION ${s}.put_record(p_stream text, p_epoch bigint, p_key text, p_json text)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM ${s}.check_epoch(p_stream, p_epoch);
  IF p_json IS NULL THEN
    DELETE FROM ${s}.records WHERE stream = p_stream AND key = p_key;
  ELSE
    INSERT INTO ${s}.records (stream, key, json) VALUES (p_stream, p_key, p_json)
      ON CONFLICT (stream, key) DO UPDATE SET json = EXCLUDED.json;
  END IF;
END $$;
`;
}
