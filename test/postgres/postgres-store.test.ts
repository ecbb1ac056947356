import { StoreCorruptionError, StoreLockedError, StoreNotFoundError } from '@converge/protocol';
import { openPostgresEventReader, openPostgresEventStore, rowChecksum } from '@converge/store-postgres';
import { startPostgres } from '@converge/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventStoreConformance, sampleEvent } from '../event-store-conformance.js';

// One PostgreSQL server for the whole file; every test uses streams of its own.
let server: Awaited<ReturnType<typeof startPostgres>>;
let raw: pg.Client;
beforeAll(async () => {
  server = await startPostgres();
  raw = new pg.Client(server.url);
  await raw.connect();
});
afterAll(async () => {
  await raw?.end();
  await server?.stop();
});

let counter = 0;
const newStream = (name = 'conf') => `${name}-${++counter}`;

eventStoreConformance(
  'PostgresEventStore',
  () => {
    const stream = newStream();
    return {
      store: openPostgresEventStore(server.url, { stream }),
      reopen: () => openPostgresEventStore(server.url, { stream }),
      reader: () => openPostgresEventReader(server.url, { stream }),
    };
  },
  { durable: true },
);

/** Catches what `fn` throws, failing the test if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('PostgresEventStore', () => {
  /** A stream with `n` events, closed. */
  async function seeded(n: number): Promise<string> {
    const stream = newStream('seeded');
    const store = openPostgresEventStore(server.url, { stream });
    store.append(Array.from({ length: n }, (_, i) => sampleEvent(i)));
    await store.close();
    return stream;
  }

  it('keeps one events table keyed by (stream, seq) with a SHA-256 of each row; streams do not mix', async () => {
    const a = openPostgresEventStore(server.url, { stream: newStream('a') });
    const b = openPostgresEventStore(server.url, { stream: newStream('b') });
    a.append([sampleEvent(0), sampleEvent(1)]);
    b.append([sampleEvent(2)]);
    expect(a.read().map((e) => [e.seq, e.type])).toEqual([
      [1, 'ModuleReady'],
      [2, 'HookFailed'],
    ]);
    expect(b.read().map((e) => [e.seq, e.type])).toEqual([[1, 'ValuesChanged']]);
    const { rows } = await raw.query(
      'SELECT seq, type, json, checksum FROM converge.events WHERE stream = $1',
      [a.stream],
    );
    expect(rows).toHaveLength(2);
    expect(rows[1].checksum).toBe(rowChecksum(rows[1].json));
    expect(JSON.parse(rows[1].json)).toMatchObject({ seq: 2, type: 'HookFailed' });
    await a.close();
    await b.close();
  });

  it('a row whose JSON bytes were changed makes read throw StoreCorruptionError with its seq', async () => {
    const stream = await seeded(6);
    await raw.query(
      `UPDATE converge.events SET json = replace(json, 'boom', 'bOom') WHERE stream = $1 AND seq = 2`,
      [stream],
    );
    const reader = openPostgresEventReader(server.url, { stream });
    const error = thrown(() => reader.read()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(2);
    expect(error.message).toMatch(/seq 2: checksum mismatch/);
    expect(reader.read(3).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
    // A writer refuses a stream whose tail is corrupt.
    const writerError = thrown(() => openPostgresEventStore(server.url, { stream, tailCheck: Infinity }));
    expect(writerError).toBeInstanceOf(StoreCorruptionError);
    expect((writerError as Error).message).toMatch(/refusing to append to a corrupt store/);
    await reader.close();
  });

  it('a deleted middle row is a gap and deleted last rows are a lost tail, at their seqs', async () => {
    const stream = await seeded(6);
    await raw.query('DELETE FROM converge.events WHERE stream = $1 AND seq IN (3, 6)', [stream]);
    const reader = openPostgresEventReader(server.url, { stream });
    expect((thrown(() => reader.read()) as StoreCorruptionError).seq).toBe(3);
    const tail = thrown(() => reader.read(4)) as StoreCorruptionError;
    expect(tail.seq).toBe(6);
    expect(tail.message).toMatch(/seq 6 missing \(last seq is 6\)/);
    await reader.close();
  });

  it('a corrupt snapshot makes loadSnapshot throw StoreCorruptionError with its seq', async () => {
    const stream = newStream();
    const store = openPostgresEventStore(server.url, { stream });
    store.append([sampleEvent(0), sampleEvent(1), sampleEvent(2)]);
    store.saveSnapshot({ seq: 2, state: { modules: { a: 'ready' } } });
    await raw.query(
      `UPDATE converge.snapshots SET json = replace(json, 'ready', 'READY') WHERE stream = $1`,
      [stream],
    );
    const error = thrown(() => store.loadSnapshot()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(2);
    await store.close();
  });

  it('a reader of a missing stream or of a database without a store is StoreNotFoundError and creates nothing', async () => {
    const error = thrown(() => openPostgresEventReader(server.url, { stream: 'never-written' }));
    expect(error).toBeInstanceOf(StoreNotFoundError);
    expect((error as Error).message).toMatch(/stream "never-written".*has no such stream/);
    await raw.query('CREATE DATABASE empty_db');
    const emptyUrl = server.url.replace(/\/postgres$/, '/empty_db');
    const none = thrown(() => openPostgresEventReader(emptyUrl));
    expect(none).toBeInstanceOf(StoreNotFoundError);
    expect((none as Error).message).toMatch(/holds no converge event store/);
    const check = new pg.Client(emptyUrl);
    await check.connect();
    const { rows } = await check.query(`SELECT to_regnamespace('converge') AS s`);
    await check.end();
    expect(rows[0].s).toBeNull();
  });

  it('a second writer on a held stream fails at once with StoreLockedError naming the stream and the holder', async () => {
    const stream = newStream('held');
    const first = openPostgresEventStore(server.url, { stream, runId: 'run-7', owner: 'first-writer' });
    const error = thrown(() => openPostgresEventStore(server.url, { stream })) as StoreLockedError;
    expect(error).toBeInstanceOf(StoreLockedError);
    expect(error.message).toContain(`stream "${stream}"`);
    expect(error.holder).toMatchObject({ pid: process.pid, runId: 'run-7', owner: 'first-writer' });
    expect(error.message).toMatch(/owner first-writer, pid \d+ on host .* \(run run-7\)/);
    // Readers never wait for the writer.
    const reader = openPostgresEventReader(server.url, { stream });
    expect(reader.lastSeq()).toBe(0);
    await reader.close();
    await first.close();
    const next = openPostgresEventStore(server.url, { stream });
    expect(next.epoch).toBe(2);
    await next.close();
  });

  it("a writer whose session died (its process crashed) is taken over at once, without waiting for the lease's expiry", async () => {
    const stream = newStream('crashed');
    const url = new URL(server.url);
    // The crashed writer: a raw session that took the stream's session lock and a 1-hour lease.
    const ghost = new pg.Client(server.url);
    await ghost.connect();
    const w = openPostgresEventStore(server.url, { stream });
    w.append([sampleEvent(0)]);
    await w.close();
    await ghost.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [
      `converge-stream:converge:${stream}`,
    ]);
    await ghost.query(
      `UPDATE converge.leases SET owner = 'ghost', expires_at = now() + interval '1 hour', session_lock = true WHERE stream = $1`,
      [stream],
    );
    expect(() => openPostgresEventStore(server.url, { stream })).toThrow(StoreLockedError);
    await ghost.end();
    const next = openPostgresEventStore(server.url, { stream });
    expect(next.read().map((e) => e.seq)).toEqual([1]);
    expect(next.append([sampleEvent(1)])[0].seq).toBe(2);
    await next.close();
    expect(url.password).not.toBe('');
  });

  it('a writer whose connection is cut connects again and goes on while its lease holds; a lease taken meanwhile fences it', async () => {
    const stream = newStream('cut');
    const store = openPostgresEventStore(server.url, { stream });
    store.append([sampleEvent(0)]);
    const cut = () =>
      raw.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
        `converge writer ${stream}`,
      ]);
    expect((await cut()).rowCount).toBe(1);
    expect(store.append([sampleEvent(1)])[0].seq).toBe(2);
    store.records.put('k', { v: 1 });
    expect(store.read().map((e) => e.seq)).toEqual([1, 2]);
    expect((await cut()).rowCount).toBe(1);
    await raw.query(`UPDATE converge.leases SET epoch = epoch + 1, owner = 'other' WHERE stream = $1`, [
      stream,
    ]);
    expect(() => store.append([sampleEvent(2)])).toThrow(/lease \(epoch 1\) was taken over \(epoch 2/);
    const reader = openPostgresEventReader(server.url, { stream });
    expect(reader.read().map((e) => e.seq)).toEqual([1, 2]);
    await reader.close();
    await store.close();
  });

  it('errors name the URL without its password', () => {
    const url = new URL(server.url);
    const error = thrown(() => openPostgresEventReader(server.url, { stream: 'no-such' })) as Error;
    expect(error.message).toContain(`postgres://converge:***@127.0.0.1:${url.port}/postgres`);
    expect(error.message).not.toContain(url.password);
  });
});

describe('startPostgres', () => {
  it('returns a postgres:// URL of a real PostgreSQL server on loopback that accepts queries', async () => {
    const url = new URL(server.url);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT current_setting('server_version_num')::int AS version, current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
      );
      expect(rows[0].version).toBeGreaterThanOrEqual(160000);
      expect(rows[0].listen).toBe('127.0.0.1');
      expect(rows[0].sockets).toBe('');
    } finally {
      await client.end();
    }
  });

  it('rejects a wrong password (the server checks credentials)', async () => {
    const url = new URL(server.url);
    url.password = 'wrong';
    const client = new pg.Client(url.toString());
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('two servers run side by side on different ports; stop ends one and is idempotent', async () => {
    const other = await startPostgres();
    expect(new URL(other.url).port).not.toBe(new URL(server.url).port);
    const client = new pg.Client(other.url);
    await client.connect();
    await client.end();
    await other.stop();
    await other.stop();
    const late = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 5000 });
    late.on('error', () => {});
    await expect(late.connect()).rejects.toThrow();
  });
});
