// The soak (issue 9, "safe to leave running"): SOAK_DAYS simulated days (default 7) on a virtual
// clock of one module with an in-code schedule hook every minute (it patches its values) and a
// kubernetes-bound in-code hook watching a ConfigMap that is modified every SOAK_KUBE_EVERY_S
// seconds (default 10). The engine is put together as an embedder's would be: createEngine with
// a MemoryEventStore retaining the last SOAK_RETAIN events (default 10,000), the in-memory cluster
// and releases kept in its records, Prometheus metrics, and a pino logger at info level writing to
// a stream that drops the lines. (The test kit is not used: its MemoryLogger keeps every record.)
// Prints one JSON line: heap used after gc at hour 1, day 1 and the end, and counts.
// Run with `node --expose-gc bench/soak.mjs`; `bench/soak-bench.mjs` does that for `npm run bench`.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { writeHeapSnapshot } from 'node:v8';
import { InMemoryCluster } from '@converge/cluster-memory';
import { InMemoryReleaseStore } from '@converge/helm';
import {
  createEngine,
  createLogger,
  MemoryEventStore,
  PrometheusMetrics,
  seededRandom,
  VirtualClock,
} from '@converge/runtime';
import { openSqliteEventStore } from '@converge/store-sqlite';
import { CodeHookRunner, CodeModuleSource, MemoryConfigSource } from '@converge/testing';
import { filter, firstValueFrom } from 'rxjs';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const days = Number(process.env.SOAK_DAYS ?? 7);
const kubeEveryS = Number(process.env.SOAK_KUBE_EVERY_S ?? 10);
const retain = Number(process.env.SOAK_RETAIN ?? 10_000);
const snapshots = process.env.SOAK_HEAP_SNAPSHOTS; // a directory: heap snapshots at hour 1 and the end
// SOAK_VARIETY=1 adds more of the engine's paths: a chart (release, resources monitor), hook
// metrics, a failing kube run (retry with backoff) every 30 minutes, a config change every hour.
const variety = process.env.SOAK_VARIETY === '1';
// SOAK_STORE=sqlite runs on the durable sqlite store in a temp directory (converge run's default)
// instead of the bounded memory store.
const sqlite = process.env.SOAK_STORE === 'sqlite';

const HOUR = 3_600_000;
const settings = (n) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'soak-settings', namespace: 'default' },
  data: { generation: String(n) },
});

let scheduleRuns = 0;
let kubeRuns = 0;
const failedOnce = new Set();
const chartDir = variety ? mkdtempSync(join(tmpdir(), 'converge-soak-')) : undefined;
if (chartDir) {
  mkdirSync(join(chartDir, 'templates'));
  writeFileSync(join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: soak\nversion: 0.1.0\n');
  writeFileSync(
    join(chartDir, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: soak-rendered\ndata:\n  a: "1"\n',
  );
}
const hooks = [
  {
    name: 'hooks/every-minute',
    config: { configVersion: 'v1', schedule: [{ name: 'tick', crontab: '* * * * *' }] },
    run: () => {
      scheduleRuns++;
      const metrics = [
        {
          name: 'soak_minute',
          action: 'set',
          value: scheduleRuns % 60,
          labels: { run: String(scheduleRuns % 5) },
        },
      ];
      return {
        valuesPatch: [{ op: 'add', path: '/soak/minute', value: scheduleRuns % 60 }],
        ...(variety ? { metrics } : {}),
      };
    },
  },
  {
    name: 'hooks/watch-settings',
    config: {
      configVersion: 'v1',
      kubernetes: [
        {
          name: 'settings',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          nameSelector: { matchNames: ['soak-settings'] },
        },
      ],
    },
    run: ({ bindingContexts }) => {
      kubeRuns += bindingContexts.length > 0 ? 1 : 0;
      if (variety && kubeRuns % 180 === 0 && !failedOnce.has(kubeRuns)) {
        failedOnce.add(kubeRuns);
        throw new Error(`injected failure at run ${kubeRuns}`);
      }
      return undefined;
    },
  },
];
const storeDir = sqlite ? mkdtempSync(join(tmpdir(), 'converge-soak-store-')) : undefined;
const store = storeDir
  ? openSqliteEventStore(join(storeDir, 'events.sqlite'))
  : new MemoryEventStore({ retain });
const clock = new VirtualClock('2026-01-01T00:00:00Z');
const cluster = new InMemoryCluster({ records: store.records, objects: [settings(0)] });
const metrics = new PrometheusMetrics();
const discard = new Writable({ write: (_chunk, _enc, done) => done() });
const config = new MemoryConfigSource({});
const engine = createEngine({
  hooks: new CodeHookRunner([], new Map([['soak', hooks]])),
  modules: new CodeModuleSource([{ name: 'soak', ...(chartDir ? { chart: chartDir } : {}) }]),
  releases: new InMemoryReleaseStore({
    cluster,
    namespace: 'default',
    charts: () => chartDir,
    records: store.records,
  }),
  cluster,
  config,
  clock,
  random: seededRandom(1),
  store,
  metrics,
  logger: createLogger({ level: 'info', destination: discard }),
});

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const idle = () => firstValueFrom(engine.idle$.pipe(filter((idle) => idle)));
/** What the test kit's settle() does: cluster changes delivered, no task runnable, twice in a row. */
async function settle() {
  for (;;) {
    await cluster.quiesce();
    await nextTurn();
    await idle();
    await cluster.quiesce();
    await nextTurn();
    if (engine.isIdle()) return;
  }
}
async function advance(ms) {
  await settle();
  const target = clock.now() + ms;
  while (clock.fireNext(target)) await settle();
  clock.setTime(target);
  await settle();
}

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const t0 = performance.now();
await engine.start();
await settle();
const start = clock.now();
let changes = 0;
async function runUntil(ms) {
  while (clock.now() - start < ms) {
    cluster.put(settings(++changes));
    if (variety && changes % Math.round(3600 / kubeEveryS) === 0)
      config.set({ soak: { level: changes % 3 } });
    await advance(kubeEveryS * 1000);
  }
}
await runUntil(HOUR);
const hour1 = heapAfterGc();
if (snapshots) writeHeapSnapshot(`${snapshots}/soak-hour1.heapsnapshot`);
// Day 1: the retained window of the store is full by then; from here on only a leak grows the heap.
let day1;
if (days > 1) {
  await runUntil(24 * HOUR);
  day1 = heapAfterGc();
}
if (snapshots && day1) writeHeapSnapshot(`${snapshots}/soak-day1.heapsnapshot`);
await runUntil(days * 24 * HOUR);
const end = heapAfterGc();
if (snapshots) writeHeapSnapshot(`${snapshots}/soak-end.heapsnapshot`);
const failed = (sqlite ? [] : engine.events).filter(
  (e) => e.type === 'HookFailed' || e.type === 'ModuleFailed',
).length;
const result = {
  days,
  variety,
  kubeEveryS,
  retain,
  hour1,
  day1,
  end,
  ratio: end / hour1,
  ratioToDay1: day1 && end / day1,
  events: store.lastSeq(),
  store: sqlite ? 'sqlite' : 'memory',
  retained: sqlite ? store.lastSeq() : engine.events.length,
  scheduleRuns,
  kubeRuns,
  changes,
  failedInRetained: failed,
  wallMs: performance.now() - t0,
};
await engine.stop();
await store.close();
if (storeDir) rmSync(storeDir, { recursive: true, force: true });
console.log(JSON.stringify(result));
