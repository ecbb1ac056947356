import { statSync } from 'node:fs';
import type { DatabaseSync } from 'node:sqlite';
import { StoreNotFoundError } from '@converge/protocol';
import { RECORDS_TABLE } from './sqlite-records.js';
import { WRITER_TABLE } from './writer-lock.js';

/** The tables of a sqlite event store, its version, and the checks a reader makes before reading. */

/**
 * The schema version this release writes (`PRAGMA user_version`). v2 added the `writer` and
 * `records` tables; v1 stores are read as they are and upgraded by the first writer.
 */
export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  json TEXT NOT NULL,
  checksum TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS snapshots (
  seq INTEGER PRIMARY KEY,
  json TEXT NOT NULL,
  checksum TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO head (id, last_seq) VALUES (1, (SELECT coalesce(max(seq), 0) FROM events));
${WRITER_TABLE}
${RECORDS_TABLE}
`;

export function userVersion(db: DatabaseSync): number {
  return Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version);
}

export function newerSchema(path: string, version: number): Error {
  return new Error(`${path}: event store schema v${version} is newer than this release (v${SCHEMA_VERSION})`);
}

/** A reader's store must be an existing, non-empty file: a reader never creates one. */
export function assertStoreFile(path: string): void {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new StoreNotFoundError(`${path}: no event store there (${(e as Error).message})`, path, {
      cause: e,
    });
  }
  if (size === 0) throw new StoreNotFoundError(`${path}: the event store file is empty (0 bytes)`, path);
}

/** Checks a read-only store's version and tables; returns whether it has a `records` table. */
export function checkReadableSchema(db: DatabaseSync, path: string): boolean {
  const version = userVersion(db);
  if (version > SCHEMA_VERSION) throw newerSchema(path, version);
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (t) => t.name,
    ),
  );
  for (const table of ['events', 'snapshots', 'head'])
    if (!tables.has(table))
      throw new StoreNotFoundError(`${path}: not an event store (it has no ${table} table)`, path);
  return tables.has('records');
}
