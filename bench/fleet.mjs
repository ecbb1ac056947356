// The fleet benchmark (issue 11), run by bench/fleet-bench.mjs as `node --expose-gc bench/fleet.mjs`;
// prints one JSON line. FLEET_TARGETS (default 100) and FLEET_MODULES (default 10) scale it.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPostgresEventStore } from '@converge/store-postgres';
import { startPostgres } from '@converge/testing';
import { FleetReplica, openFleetBackend } from 'converge';
import pg from 'pg';
import { benchEngine, converged } from './fleet-engines.mjs';
import { orderGroupsMakespan, snapshotMemory } from './fleet-one-engine.mjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const gc = () => {
  for (let i = 0; i < 4; i++) globalThis.gc();
};

const TARGETS = Number(process.env.FLEET_TARGETS ?? 100);
// 100 × 50 takes about 7 minutes on 2 busy cores (every append is a synchronous round trip on the
// main thread), so the default is 100 × 10; FLEET_MODULES=50 runs the full size.
const MODULES = Number(process.env.FLEET_MODULES ?? 10);
const HOOK_MS = 5;
const LEASE_MS = 2_000;

const server = await startPostgres();
const result = { targets: TARGETS, modules: MODULES, hookMs: HOOK_MS };
try {
  // 1. The same converge of MODULES modules, TARGETS times one after another (the baseline).
  let sequentialMs = 0;
  for (let i = 0; i < TARGETS; i++) {
    const store = openPostgresEventStore(server.url, { stream: `seq-${i}` });
    const engine = benchEngine({ store, modules: MODULES, hookMs: () => HOOK_MS });
    const t0 = performance.now();
    await engine.start();
    await converged(engine);
    sequentialMs += performance.now() - t0;
    await engine.stop({ graceMs: 0 });
    await store.close();
  }
  // 2. TARGETS engines at once in this process, each on its own stream.
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const stores = Array.from({ length: TARGETS }, (_, i) =>
    openPostgresEventStore(server.url, { stream: `fleet-${i}` }),
  );
  const engines = stores.map((store) => benchEngine({ store, modules: MODULES, hookMs: () => HOOK_MS }));
  const t0 = performance.now();
  await Promise.all(
    engines.map(async (e) => {
      await e.start();
      await converged(e);
    }),
  );
  const fleetMs = performance.now() - t0;
  gc();
  const heapPerEngine = (process.memoryUsage().heapUsed - heapBefore) / TARGETS;
  const rssPerEngine = (process.memoryUsage().rss - rssBefore) / TARGETS;
  const events = stores.reduce((n, s) => n + s.lastSeq(), 0);
  await Promise.all(engines.map((e) => e.stop({ graceMs: 0 })));
  await Promise.all(stores.map((s) => s.close()));
  Object.assign(result, {
    sequentialMs,
    fleetMs,
    concurrency: TARGETS,
    fleetRatio: fleetMs / (sequentialMs / TARGETS),
    heapPerEngine,
    rssPerEngine,
    fleetEvents: events,
  });

  // 3. Appends of one event each (a checked, epoch-fenced transaction) against plain INSERTs of
  // the same JSON, alternating, best of three rounds of each.
  const N = 1_000;
  const store = openPostgresEventStore(server.url, { stream: 'append-bench' });
  const client = new pg.Client(server.url);
  await client.connect();
  await client.query('CREATE TABLE plain_inserts (id bigint PRIMARY KEY, body text NOT NULL)');
  let appendsPerS = 0;
  let insertsPerS = 0;
  let id = 0;
  for (let round = 0; round < 3; round++) {
    const ta = performance.now();
    for (let i = 0; i < N; i++)
      store.append([{ type: 'EngineStopped', runId: `run-${i}`, at: new Date().toISOString() }]);
    appendsPerS = Math.max(appendsPerS, N / ((performance.now() - ta) / 1000));
    const sampleJson = JSON.stringify(store.read(store.lastSeq())[0]);
    const ti = performance.now();
    for (let i = 0; i < N; i++)
      await client.query('INSERT INTO plain_inserts (id, body) VALUES ($1, $2)', [id++, sampleJson]);
    insertsPerS = Math.max(insertsPerS, N / ((performance.now() - ti) / 1000));
  }
  await store.close();
  await client.end();
  Object.assign(result, { appendsPerS, insertsPerS, appendRatio: appendsPerS / insertsPerS });

  // 4. Takeover: a replica in a child process is SIGKILLed; this one takes its targets over.
  Object.assign(result, await takeover(server.url));
} finally {
  await server.stop();
}
// 5. One engine: snapshot memory per watched object, makespan of order groups.
Object.assign(result, { snapshot: await snapshotMemory(10_000), makespan: await orderGroupsMakespan() });
console.log(JSON.stringify(result));

async function takeover(url) {
  const targets = Array.from({ length: 10 }, (_, i) => ({
    name: `takeover-${i}`,
    kubeconfig: '-',
    namespace: 'default',
    modulesDir: '-',
  }));
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fleet-replica-child.mjs')], {
    env: {
      ...process.env,
      FLEET_URL: url,
      FLEET_REPLICA: 'replica-killed',
      FLEET_LEASE_MS: String(LEASE_MS),
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const backend = await openFleetBackend(url);
  const survivor = new FleetReplica({
    replica: 'replica-survivor',
    targets,
    backend,
    leaseMs: LEASE_MS,
    stopGraceMs: 0,
    logger: quiet,
    startEngine: async (target, stream) => {
      const engine = benchEngine({ store: stream.store, modules: 5, hookMs: () => HOOK_MS });
      await engine.start();
      return {
        target,
        engine,
        ready: () => engine.isIdle() && engine.status().ready,
        stop: (g) => engine.stop({ graceMs: g }),
      };
    },
  });
  const until = async (check) => {
    for (;;) {
      const rows = (await backend.status()).filter((r) => r.target.startsWith('takeover-'));
      if (rows.length === targets.length && check(rows)) return rows;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until((rows) => rows.every((r) => r.owner === 'replica-killed' && r.ready));
  await survivor.start();
  const spread = await until(
    (rows) => rows.every((r) => r.ready) && rows.some((r) => r.owner === 'replica-survivor'),
  );
  const lost = spread.filter((r) => r.owner === 'replica-killed').length;
  const killedAt = performance.now();
  child.kill('SIGKILL');
  await until((rows) => rows.every((r) => r.owner === 'replica-survivor' && r.ready));
  const takeoverMs = performance.now() - killedAt;
  await survivor.stop();
  await backend.close();
  return { leaseMs: LEASE_MS, takeoverMs, takenOver: lost, takeoverRatio: takeoverMs / LEASE_MS };
}
