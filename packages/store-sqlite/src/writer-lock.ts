import { closeSync, existsSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import type { DatabaseSync } from 'node:sqlite';
import { type StoreHolder, StoreLockedError } from '@converge/protocol';
import { loadSqlite } from './load-sqlite.js';

/**
 * One writer per log. A writer holds an exclusive SQLite lock on a sibling file `<store>.lock`
 * for its whole life (`PRAGMA locking_mode=EXCLUSIVE`: "the database connection never releases
 * file-locks", https://www.sqlite.org/pragma.html#pragma_locking_mode). SQLite's locks are POSIX
 * advisory locks, so the OS drops them when the process ends, kill -9 included: there is no pid
 * file to find stale. Readers never touch the lock file, so they never wait for it.
 */

/** The lock file of the store at `path`. */
export const lockPathOf = (path: string): string => `${path}.lock`;

/** A held writer lock; `release()` closes the lock connection and so drops the lock. */
export interface WriterLock {
  release(): void;
}

/**
 * Takes the writer lock of the store at `path` at once (no waiting). On failure throws
 * StoreLockedError naming the store and the holder that `readHolder` finds in the store.
 */
export function acquireWriterLock(path: string, readHolder: () => StoreHolder | undefined): WriterLock {
  const lockPath = lockPathOf(path);
  createPrivateFile(lockPath);
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(lockPath);
  try {
    // journal_mode=MEMORY: the lock file never gets a -journal beside it.
    db.exec('PRAGMA busy_timeout = 0');
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('PRAGMA journal_mode = MEMORY');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
  } catch (e) {
    db.close();
    if (isBusy(e)) throw new StoreLockedError(path, safely(readHolder), { cause: e });
    throw e;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close();
    },
  };
}

/**
 * Creates `path` empty and 0600 unless it exists (SQLite would create it 0644 less the umask; the
 * `-wal` and `-shm` files then take its mode). An existing file is never opened here: closing any
 * descriptor of a file drops every POSIX lock this process holds on it, SQLite's included.
 */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

/** The holder this process records: pid, host, now, and the run id when known. */
export function currentHolder(runId?: string): StoreHolder {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(runId ? { runId } : {}),
  };
}

/** The `writer` table: the one row of the current (or last) writer. */
export const WRITER_TABLE = `
CREATE TABLE IF NOT EXISTS writer (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  host TEXT NOT NULL,
  started_at TEXT NOT NULL,
  run_id TEXT
) STRICT;
`;

/** Records `holder` as the store's writer. */
export function recordHolder(db: DatabaseSync, holder: StoreHolder): void {
  db.prepare('INSERT OR REPLACE INTO writer (id, pid, host, started_at, run_id) VALUES (1, ?, ?, ?, ?)').run(
    holder.pid,
    holder.host,
    holder.startedAt,
    holder.runId ?? null,
  );
}

/** The writer recorded in the store file at `path`, read through a read-only connection. */
export function readHolderOf(path: string): StoreHolder | undefined {
  if (!existsSync(path)) return undefined;
  const { DatabaseSync } = loadSqlite();
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare('SELECT pid, host, started_at, run_id FROM writer WHERE id = 1').get() as
      | { pid: number; host: string; started_at: string; run_id: string | null }
      | undefined;
    if (row === undefined) return undefined;
    return {
      pid: Number(row.pid),
      host: row.host,
      startedAt: row.started_at,
      ...(row.run_id ? { runId: row.run_id } : {}),
    };
  } finally {
    db.close();
  }
}

function isBusy(e: unknown): boolean {
  const code = (e as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && (code & 0xff) === 5;
}

/** The holder, or undefined when it cannot be read (no table yet, a store being created). */
function safely(read: () => StoreHolder | undefined): StoreHolder | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
