import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import {
  isConvergeError,
  StoreCorruptionError,
  StoreLockedError,
  StoreNotFoundError,
} from '@converge/protocol';
import { lockPathOf, openSqliteEventReader, openSqliteEventStore, rowChecksum } from '@converge/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from './event-store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'converge-access-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const tempPath = () => join(root, `store-${++counter}.sqlite`);

/** Catches what `fn` throws, failing the test if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('one writer per sqlite store', () => {
  it('a second writer fails at once with StoreLockedError naming the store and the holder', async () => {
    const path = tempPath();
    const first = openSqliteEventStore(path, { runId: 'run-first' });
    first.append([sampleEvent(0)]);
    const error = thrown(() => openSqliteEventStore(path, { runId: 'run-second' })) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(isConvergeError(error)).toBe(true);
    expect(error.code).toBe('STORE_LOCKED');
    expect(error.store).toBe(path);
    expect(error.holder).toMatchObject({ pid: process.pid, host: hostname(), runId: 'run-first' });
    expect(Date.parse(error.holder!.startedAt)).not.toBeNaN();
    expect(error.message).toContain(path);
    expect(error.message).toContain(`pid ${process.pid} on host ${hostname()}`);
    expect(error.message).toContain('run run-first');
    // The refused writer changed nothing: the first one goes on appending.
    expect(first.append([sampleEvent(1)])[0].seq).toBe(2);
    await first.close();
    const next = openSqliteEventStore(path, { runId: 'run-third' });
    expect(next.append([sampleEvent(2)])[0].seq).toBe(3);
    await next.close();
  });

  it('readers open beside the writer without waiting, and do not take the lock', async () => {
    const path = tempPath();
    const writer = openSqliteEventStore(path);
    writer.append([sampleEvent(0), sampleEvent(1)]);
    const reader = openSqliteEventReader(`sqlite:${path}`);
    expect(reader.read().map((e) => e.seq)).toEqual([1, 2]);
    await reader.close();
    expect(() => openSqliteEventStore(path)).toThrow(StoreLockedError);
    await writer.close();
  });

  it('a refused writer in the same process leaves the lock held against other processes', async () => {
    const path = tempPath();
    const first = openSqliteEventStore(path, { runId: 'run-first' });
    const reader = openSqliteEventReader(path);
    expect(() => openSqliteEventStore(path)).toThrow(StoreLockedError);
    expect(() => openSqliteEventStore(path)).toThrow(StoreLockedError);
    // POSIX locks belong to the process: closing any descriptor of the lock file would drop them.
    const script = `import { openSqliteEventStore } from '@converge/store-sqlite';
try { openSqliteEventStore(${JSON.stringify(path)}); console.log('opened'); } catch (e) { console.log(e.code); }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines: string[] = [];
    for await (const line of createInterface({ input: child.stdout! })) lines.push(line);
    expect(lines).toEqual(['STORE_LOCKED']);
    await reader.close();
    await first.close();
  });

  it('the lock is held by the process: a writer killed with SIGKILL leaves the store writable', async () => {
    const path = tempPath();
    const script = `import { openSqliteEventStore } from '@converge/store-sqlite';
const s = openSqliteEventStore(${JSON.stringify(path)}, { runId: 'run-child' });
s.append([{ type: 'ModuleReady', module: 'a', at: '2026-01-01T00:00:00.000Z' }]);
console.log('locked');
setInterval(() => {}, 1 << 30);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    const lines = createInterface({ input: child.stdout! });
    for await (const line of lines) if (line === 'locked') break;
    const error = thrown(() => openSqliteEventStore(path)) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.holder).toMatchObject({ pid: child.pid, runId: 'run-child' });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // What the killed writer committed is readable from its WAL, before any writer opens the store.
    const reader = openSqliteEventReader(path);
    expect(reader.read().map((e) => e.type)).toEqual(['ModuleReady']);
    await reader.close();
    const after = openSqliteEventStore(path);
    expect(after.read().map((e) => e.type)).toEqual(['ModuleReady']);
    expect(after.append([sampleEvent(1)])[0].seq).toBe(2);
    await after.close();
  });
});

describe('sqlite readers never create a store', () => {
  it('a missing store is StoreNotFoundError naming the path, and no file or directory appears', () => {
    const dir = join(root, 'absent');
    const path = join(dir, 'events.sqlite');
    const error = thrown(() => openSqliteEventReader(`sqlite:${path}`)) as StoreNotFoundError;
    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect(error.store).toBe(path);
    expect(error.message).toContain(path);
    expect(existsSync(dir)).toBe(false);
  });

  it('an empty (0-byte) file is StoreNotFoundError, and stays 0 bytes', () => {
    const path = tempPath();
    writeFileSync(path, '');
    const error = thrown(() => openSqliteEventReader(path)) as StoreNotFoundError;
    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect(error.message).toBe(`${path}: the event store file is empty (0 bytes)`);
    expect(statSync(path).size).toBe(0);
    expect(readdirSync(root).filter((f) => f.startsWith(path.split('/').at(-1)!))).toHaveLength(1);
  });

  it('a sqlite database without an event log is StoreNotFoundError naming the missing table', () => {
    const path = tempPath();
    const raw = new DatabaseSync(path);
    raw.exec('CREATE TABLE other (x)');
    raw.close();
    expect(() => openSqliteEventReader(path)).toThrow(`${path}: not an event store (it has no events table)`);
  });

  it('a store written before records existed (schema v1) reads with no records', async () => {
    const path = tempPath();
    const store = openSqliteEventStore(path);
    store.append([sampleEvent(0)]);
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec('DROP TABLE records; DROP TABLE writer; PRAGMA user_version = 1');
    raw.close();
    const reader = openSqliteEventReader(path);
    expect(reader.read().length).toBe(1);
    expect(reader.records.keys()).toEqual([]);
    expect(reader.records.get('x')).toBeUndefined();
    await reader.close();
    const writer = openSqliteEventStore(path);
    writer.records.put('x', 1);
    expect(writer.records.get('x')).toBe(1);
    await writer.close();
  });
});

describe('a writer checks the tail before it appends', () => {
  /** A closed store with `n` events; `edit` runs SQL on its file. */
  async function seeded(n: number, edit: (raw: DatabaseSync) => void) {
    const path = tempPath();
    const store = openSqliteEventStore(path);
    store.append(Array.from({ length: n }, (_, i) => sampleEvent(i)));
    await store.close();
    const raw = new DatabaseSync(path);
    edit(raw);
    raw.close();
    return path;
  }

  it('a flipped byte in the last row is StoreCorruptionError naming its seq and the path', async () => {
    const path = await seeded(6, (raw) =>
      raw.exec(`UPDATE events SET json = replace(json, 'module-4', 'module-X') WHERE seq = 5`),
    );
    const bytes = statSync(path).size;
    const error = thrown(() => openSqliteEventStore(path)) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(5);
    expect(error.message).toBe(
      `${path}: seq 5: checksum mismatch (torn or corrupt row); refusing to append to a corrupt store`,
    );
    // Refused: nothing was written, and the lock was released (a reader still sees every row).
    expect(statSync(path).size).toBe(bytes);
    expect(() => openSqliteEventStore(path)).toThrow(StoreCorruptionError);
    expect(
      openSqliteEventReader(path)
        .read(6)
        .map((e) => e.seq),
    ).toEqual([6]);
  });

  it('a lost last row and a row beyond the head are refused too', async () => {
    const lost = await seeded(4, (raw) => raw.exec('DELETE FROM events WHERE seq = 4'));
    expect((thrown(() => openSqliteEventStore(lost)) as StoreCorruptionError).seq).toBe(4);
    const beyond = await seeded(3, (raw) => {
      const json = JSON.stringify({ ...sampleEvent(0), seq: 4, v: 1 });
      raw
        .prepare('INSERT INTO events (seq, type, at, json, checksum) VALUES (4, ?, ?, ?, ?)')
        .run('ModuleReady', sampleEvent(0).at, json, rowChecksum(json));
    });
    const error = thrown(() => openSqliteEventStore(beyond)) as StoreCorruptionError;
    expect(error.seq).toBe(4);
    expect(error.message).toMatch(/seq 4 is stored beyond the recorded last seq 3/);
  });

  it('checks the last 1000 rows by default; tailCheck: Infinity checks every row', async () => {
    const path = await seeded(1005, (raw) =>
      raw.exec(`UPDATE events SET json = replace(json, 'module-0', 'module-O') WHERE seq = 1`),
    );
    const store = openSqliteEventStore(path);
    await store.close();
    expect(
      (thrown(() => openSqliteEventStore(path, { tailCheck: Infinity })) as StoreCorruptionError).seq,
    ).toBe(1);
  });
});

describe('store files are private', () => {
  it('a writer creates the store, its -wal, -shm and lock files 0600 in 0700 directories', async () => {
    const dir = join(root, 'private', 'nested');
    const path = join(dir, 'events.sqlite');
    const store = openSqliteEventStore(`sqlite:${path}`);
    store.append([sampleEvent(0)]);
    store.records.put('k', 'v');
    expect(mode(join(root, 'private'))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['events.sqlite', 'events.sqlite-shm', 'events.sqlite-wal', 'events.sqlite.lock']);
    for (const f of files) expect([f, mode(join(dir, f))]).toEqual([f, 0o600]);
    expect(lockPathOf(path)).toBe(join(dir, 'events.sqlite.lock'));
    await store.close();
  });
});
