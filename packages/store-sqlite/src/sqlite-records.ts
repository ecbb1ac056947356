import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { StoreRecords } from '@converge/core';
import { StoreCorruptionError } from '@converge/protocol';

/** The `records` table: named JSON values beside the log, in the same database file. */
export const RECORDS_TABLE = `
CREATE TABLE IF NOT EXISTS records (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;

/**
 * `StoreRecords` on the `records` table. Each `put`/`delete` is one transaction, committed like an
 * append (WAL, so it survives a crash of the process; `flush()` of the store checkpoints it to the
 * database file). A read-only store reads them and refuses writes; a store written before the
 * table existed has no records.
 */
export class SqliteRecords implements StoreRecords {
  private readonly stmt: Record<'get' | 'put' | 'delete' | 'keys', StatementSync> | undefined;

  constructor(
    db: DatabaseSync,
    private readonly path: string,
    private readonly assertWritable: () => void,
    private readonly assertOpen: () => void,
    present: boolean,
  ) {
    if (!present) return;
    this.stmt = {
      get: db.prepare('SELECT value FROM records WHERE key = ?'),
      put: db.prepare('INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)'),
      delete: db.prepare('DELETE FROM records WHERE key = ?'),
      // Prefix match by range, so `%` and `_` in a prefix mean themselves; `keys` sorts anyway.
      keys: db.prepare('SELECT key FROM records WHERE key >= ? ORDER BY key'),
    };
  }

  /** The record's value (parsed from its JSON), or undefined for a missing key. */
  get(key: string): unknown {
    this.assertOpen();
    const row = this.stmt?.get.get(key) as { value: string } | undefined;
    if (row === undefined) return undefined;
    try {
      return JSON.parse(row.value);
    } catch (e) {
      throw new StoreCorruptionError(`${this.path}: record ${JSON.stringify(key)} is not valid JSON`, 0, {
        cause: e,
      });
    }
  }

  /** Replaces the record; throws TypeError for a value JSON cannot hold (undefined, a function). */
  put(key: string, value: unknown): void {
    this.writable().put.run(key, json(key, value));
  }

  delete(key: string): void {
    this.writable().delete.run(key);
  }

  keys(prefix = ''): string[] {
    this.assertOpen();
    if (this.stmt === undefined) return [];
    const out: string[] = [];
    for (const row of this.stmt.keys.iterate(prefix) as Iterable<{ key: string }>) {
      if (!row.key.startsWith(prefix)) break;
      out.push(row.key);
    }
    // SQLite orders by UTF-8 bytes; sort as JavaScript does, like the memory store.
    return out.sort();
  }

  private writable(): Record<'put' | 'delete', StatementSync> {
    this.assertOpen();
    this.assertWritable();
    if (this.stmt === undefined) throw new Error(`${this.path}: the store has no records table`);
    return this.stmt;
  }
}

function json(key: string, value: unknown): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string')
    throw new TypeError(`record ${JSON.stringify(key)}: ${typeof value} cannot be stored as JSON`);
  return text;
}
