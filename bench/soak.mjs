// The soak (issue 9, "safe to leave running"): SOAK_DAYS simulated days (default 7) on a virtual
// clock of one module with an in-code schedule hook every minute (it patches its values) and a
// kubernetes-bound in-code hook watching a ConfigMap that is modified every SOAK_KUBE_EVERY_S
// seconds (default 10). The engine is put together as an embedder's would be: createEngine with
// a MemoryEventStore retaining the last SOAK_RETAIN events (default 10,000), the in-memory cluster
// and releases kept in its records, Prometheus metrics, and a pino logger at info level writing to
// a stream that drops the lines. (The test kit is not used: its MemoryLogger keeps every record.)
// Prints one JSON line: heap used after gc at hour 1, day 1 and the end, and counts.
// Run with `node --expose-gc bench/soak.mjs`; `bench/soak-bench.mjs` does that for `npm run bench`.
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { writeHeapSnapshot } from 'node:v8';
import { InMemoryReleaseStore } from '@converge/helm';
import {
  createEngine,
  createLogger,
  InMemoryCluster,
  MemoryEventStore,
  PrometheusMetrics,
  seededRandom,
  VirtualClock,
} from '@converge/runtime';
import { CodeHookRunner, CodeModuleSource, MemoryConfigSource } from '@converge/testing';

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');
const days = Number(process.env.SOAK_DAYS ?? 7);
const kubeEveryS = Number(process.env.SOAK_KUBE_EVERY_S ?? 10);
const retain = Number(process.env.SOAK_RETAIN ?? 10_000);
const snapshots = process.env.SOAK_HEAP_SNAPSHOTS; // a directory: heap snapshots at hour 1 and the end

const HOUR = 3_600_000;
const settings = (n) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'soak-settings', namespace: 'default' },
  data: { generation: String(n) },
});

let scheduleRuns = 0;
let kubeRuns = 0;
const hooks = [
  {
    name: 'hooks/every-minute',
    config: { configVersion: 'v1', schedule: [{ name: 'tick', crontab: '* * * * *' }] },
    run: () => {
      scheduleRuns++;
      return { valuesPatch: [{ op: 'add', path: '/soak/minute', value: scheduleRuns % 60 }] };
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
      return undefined;
    },
  },
];
const store = new MemoryEventStore({ retain });
const clock = new VirtualClock('2026-01-01T00:00:00Z');
const cluster = new InMemoryCluster({ records: store.records, objects: [settings(0)] });
const metrics = new PrometheusMetrics();
const discard = new Writable({ write: (_chunk, _enc, done) => done() });
const engine = createEngine({
  hooks: new CodeHookRunner([], new Map([['soak', hooks]])),
  modules: new CodeModuleSource([{ name: 'soak' }]),
  releases: new InMemoryReleaseStore({
    cluster,
    namespace: 'default',
    charts: () => undefined,
    records: store.records,
  }),
  cluster,
  config: new MemoryConfigSource({}),
  clock,
  random: seededRandom(1),
  store,
  metrics,
  logger: createLogger({ level: 'info', destination: discard }),
});

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const idle = () =>
  engine.isIdle()
    ? undefined
    : new Promise((resolve) => {
        const off = engine.onActivity(() => {
          if (engine.isIdle()) {
            off();
            resolve();
          }
        });
      });
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
const failed = engine.events.filter((e) => e.type === 'HookFailed' || e.type === 'ModuleFailed').length;
const result = {
  days,
  kubeEveryS,
  retain,
  hour1,
  day1,
  end,
  ratio: end / hour1,
  ratioToDay1: day1 && end / day1,
  events: store.lastSeq(),
  retained: engine.events.length,
  scheduleRuns,
  kubeRuns,
  changes,
  failedInRetained: failed,
  wallMs: performance.now() - t0,
};
await engine.stop();
console.log(JSON.stringify(result));
