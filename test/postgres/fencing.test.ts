import { StoreFencedError } from '@converge/protocol';
import { openPostgresEventReader, openPostgresEventStore, PostgresLeases } from '@converge/store-postgres';
import { createTestEngine, startPostgres } from '@converge/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../event-store-conformance.js';

// One PostgreSQL server for the whole file; every test uses streams of its own.
let server: Awaited<ReturnType<typeof startPostgres>>;
let leases: PostgresLeases;
beforeAll(async () => {
  server = await startPostgres();
  leases = new PostgresLeases(server.url);
});
afterAll(async () => {
  await leases?.close();
  await server?.stop();
});

let counter = 0;
const newStream = () => `fenced-${++counter}`;

/** Catches what `fn` throws, failing the test if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** The types and marks of the stream's events, read by a fresh reader. */
function streamOf(stream: string): string[] {
  const reader = openPostgresEventReader(server.url, { stream });
  try {
    return reader
      .read()
      .map((e) => ('module' in e ? `${e.seq}:${e.type}:${e.module}` : `${e.seq}:${e.type}`));
  } finally {
    void reader.close();
  }
}

describe('fenced writers', () => {
  it('two writers on one stream: the deposed one gets StoreFencedError and nothing it writes after losing the lease is stored', async () => {
    const stream = newStream();
    const fencedSeen: StoreFencedError[] = [];
    const a = openPostgresEventStore(server.url, { stream, onFenced: (e) => fencedSeen.push(e) });
    a.append([{ type: 'ModuleReady', module: 'a1', at: sampleEvent(0).at }]);
    a.append([{ type: 'ModuleReady', module: 'a2', at: sampleEvent(0).at }]);
    expect(a.epoch).toBe(1);

    const takeover = await leases.acquire(stream, { owner: 'replica-b', durationMs: 30_000, takeOver: true });
    if (!takeover.acquired) throw new Error('takeover refused');
    expect(takeover.lease.epoch).toBe(2);
    const b = openPostgresEventStore(server.url, { stream, lease: takeover.lease });
    b.records.put('kept', 'by b');
    expect(b.read().map((e) => e.seq)).toEqual([1, 2]);
    b.append([{ type: 'ModuleReady', module: 'b1', at: sampleEvent(0).at }]);

    const error = thrown(() => a.append([{ type: 'ModuleReady', module: 'a3', at: sampleEvent(0).at }]));
    expect(error).toBeInstanceOf(StoreFencedError);
    expect(error).toMatchObject({
      code: 'STORE_FENCED',
      epoch: 1,
      currentEpoch: 2,
      holder: { owner: 'replica-b' },
    });
    expect((error as Error).message).toContain(`stream "${stream}"`);
    // Every other write of the deposed writer is refused too, and it never retries by itself.
    // A record write (made from callbacks, where a throw could end the process) is dropped, not thrown.
    a.records.put('k', 1);
    a.records.delete('kept');
    expect(() => a.saveSnapshot({ seq: 2, state: {} })).toThrow(StoreFencedError);
    expect(() => a.append([{ type: 'ModuleReady', module: 'a4', at: sampleEvent(0).at }])).toThrow(
      StoreFencedError,
    );
    b.append([{ type: 'ModuleReady', module: 'b2', at: sampleEvent(0).at }]);

    expect(streamOf(stream)).toEqual([
      '1:ModuleReady:a1',
      '2:ModuleReady:a2',
      '3:ModuleReady:b1',
      '4:ModuleReady:b2',
    ]);
    expect(b.records.keys()).toEqual(['kept']);
    expect(b.records.get('kept')).toBe('by b');
    await Promise.resolve();
    expect(fencedSeen).toHaveLength(1);
    await a.close();
    await b.close();
    // A closed deposed writer does not release the new owner's lease.
    expect(await leases.get(stream)).toMatchObject({ owner: 'replica-b', epoch: 2 });
  });

  it('a writer learns of the takeover from its lease renewal, before it tries to append', async () => {
    const stream = newStream();
    let told!: (e: StoreFencedError) => void;
    const fenced = new Promise<StoreFencedError>((resolve) => (told = resolve));
    const a = openPostgresEventStore(server.url, { stream, leaseDurationMs: 600, onFenced: (e) => told(e) });
    a.append([sampleEvent(0)]);
    const renewedBefore = (await leases.get(stream))?.expiresAt;
    await leases.acquire(stream, { owner: 'replica-b', durationMs: 30_000, takeOver: true });
    const error = await fenced;
    expect(error).toMatchObject({ epoch: 1, currentEpoch: 2 });
    expect(renewedBefore).toBeDefined();
    expect(() => a.append([sampleEvent(1)])).toThrow(StoreFencedError);
    expect(streamOf(stream)).toEqual(['1:ModuleReady:module-0']);
    await a.close();
  });

  it('a lease that is not renewed expires and is taken by the next replica; the old holder is fenced', async () => {
    const stream = newStream();
    const first = await leases.acquire(stream, { owner: 'replica-a', durationMs: 300 });
    if (!first.acquired) throw new Error('first acquire refused');
    const a = openPostgresEventStore(server.url, { stream, lease: first.lease });
    a.append([sampleEvent(0)]);
    const refused = await leases.acquire(stream, { owner: 'replica-b', durationMs: 30_000 });
    expect(refused).toMatchObject({ acquired: false, heldBy: { owner: 'replica-a', epoch: 1 } });
    // Poll the observable condition (the lease's expiry on the database clock), with a deadline.
    const deadline = Date.now() + 20_000;
    let second = refused;
    while (!second.acquired && Date.now() < deadline)
      second = await leases.acquire(stream, { owner: 'replica-b', durationMs: 30_000 });
    if (!second.acquired) throw new Error('the expired lease was never taken');
    expect(second.lease).toMatchObject({ owner: 'replica-b', epoch: 2 });
    expect(await leases.renew(first.lease, 300)).toBeUndefined();
    expect(await leases.renew(second.lease, 30_000)).toMatchObject({ owner: 'replica-b', epoch: 2 });
    expect(() => a.append([sampleEvent(1)])).toThrow(StoreFencedError);
    // A store opened with a lease that is no longer current is refused at once.
    expect(() => openPostgresEventStore(server.url, { stream, lease: first.lease })).toThrow(
      StoreFencedError,
    );
    expect((await leases.list()).find((l) => l.stream === stream)).toMatchObject({ owner: 'replica-b' });
    expect((await leases.streams()).find((x) => x.stream === stream)).toEqual({ stream, lastSeq: 1 });
    expect(await leases.release(second.lease)).toBe(true);
    await a.close();
  });

  it('writers of many streams under leases held by a replica share a few connections', async () => {
    const raw = new pg.Client(server.url);
    await raw.connect();
    const backends = async () =>
      Number(
        (await raw.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE backend_type = 'client backend'`))
          .rows[0].n,
      );
    const before = await backends();
    const stores = [];
    for (let i = 0; i < 12; i++) {
      const stream = newStream();
      const got = await leases.acquire(stream, { owner: 'replica-a', durationMs: 30_000 });
      if (!got.acquired) throw new Error('acquire refused');
      const store = openPostgresEventStore(server.url, { stream, lease: got.lease });
      store.append([sampleEvent(i)]);
      stores.push(store);
    }
    expect(await backends()).toBeLessThanOrEqual(before + 4);
    expect(stores.map((s) => s.read().map((e) => e.seq))).toEqual(stores.map(() => [1]));
    for (const store of stores) await store.close();
    await raw.end();
  });

  it('an engine whose stream is taken over stops: its next append fails and it writes nothing more, EngineStopped included', async () => {
    const stream = newStream();
    const store = openPostgresEventStore(server.url, { stream });
    const t = await createTestEngine({ modules: [{ name: 'app', order: 10 }], store });
    await t.start();
    const before = store.lastSeq();
    expect(before).toBeGreaterThan(0);
    const takeover = await leases.acquire(stream, { owner: 'replica-b', durationMs: 30_000, takeOver: true });
    if (!takeover.acquired) throw new Error('takeover refused');
    // The engine's event stream completes when the engine has stopped (by itself: nobody calls stop).
    const ended = new Promise<void>((resolve) => t.engine.events$.subscribe({ complete: () => resolve() }));
    try {
      t.engine.applyConfig({ app: { x: 1 } });
    } catch (e) {
      expect(e).toBeInstanceOf(StoreFencedError);
    }
    await ended;
    expect(store.fenced).toBeInstanceOf(StoreFencedError);
    const after = streamOf(stream);
    expect(after).toHaveLength(before);
    expect(after.some((e) => e.includes('EngineStopped'))).toBe(false);
    await t.stop();
    await store.close();
  });
});
