// The two scale figures measured on one engine (issue 11): retained snapshot memory per watched
// object against its projected JSON size, and the makespan of a converge of order groups against
// its critical path. Needs --expose-gc (bench/fleet.mjs runs in such a child).
import { performance } from 'node:perf_hooks';
import { InMemoryCluster } from '@converge/cluster-memory';
import { MemoryEventStore } from '@converge/runtime';
import { benchEngine, converged } from './fleet-engines.mjs';

const gc = async () => {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const project = (o) => ({ name: o.metadata.name, owner: o.metadata.labels.owner, size: o.data.size });

function configMaps(n) {
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `cm-${String(i).padStart(5, '0')}`,
      namespace: 'default',
      labels: { owner: `team-${i % 17}` },
    },
    // The part the projection drops: what shell-operator would keep whole.
    data: { size: String(i * 7), payload: 'x'.repeat(400), note: `object ${i} of ${n}` },
  }));
}

/**
 * Heap retained by one kubernetes binding's snapshot of `n` ConfigMaps (keepFullObjectsInMemory
 * false, an in-code filter projecting three fields), per object: the heap with the binding's
 * engine converged minus the heap with the same engine and cluster without the binding, where an
 * idle watch and a list of the same selector take the binding's place on the cluster's side.
 */
export async function snapshotMemory(n = 10_000) {
  const heapWith = async (binding) => {
    const cluster = new InMemoryCluster({ objects: configMaps(n) });
    const engine = benchEngine({
      store: new MemoryEventStore(),
      modules: 1,
      hookMs: () => 0,
      cluster,
      extraHooks: () =>
        binding
          ? [
              {
                name: 'hooks/watch',
                config: {
                  configVersion: 'v1',
                  kubernetes: [
                    {
                      name: 'cms',
                      apiVersion: 'v1',
                      kind: 'ConfigMap',
                      keepFullObjectsInMemory: false,
                      executeHookOnEvent: [],
                      executeHookOnSynchronization: false,
                    },
                  ],
                },
                filters: { cms: project },
              },
            ]
          : [],
    });
    await engine.start();
    await converged(engine);
    // Without the binding, an idle watch and a list of the same selector stand in for it, so
    // the in-memory cluster's own per-watch state (the API server's side) counts on both sides.
    const selector = { apiVersion: 'v1', kind: 'ConfigMap' };
    const idleWatch = binding ? undefined : cluster.watch(selector, () => {});
    if (!binding) await cluster.list(selector);
    await gc();
    const heap = process.memoryUsage().heapUsed;
    await engine.stop({ graceMs: 0 });
    return { heap, keep: [cluster, engine, idleWatch] };
  };
  // Alternate and take the smallest difference, so garbage of one round does not count.
  let best = Infinity;
  for (let round = 0; round < 2; round++) {
    const without = await heapWith(false);
    const withBinding = await heapWith(true);
    best = Math.min(best, withBinding.heap - without.heap);
  }
  const sample = configMaps(n).map(project);
  const jsonBytes = sample.reduce((sum, p) => sum + Buffer.byteLength(JSON.stringify(p)), 0) / n;
  const fullBytes = configMaps(n).reduce((sum, o) => sum + Buffer.byteLength(JSON.stringify(o)), 0) / n;
  return { n, bytesPerObject: best / n, projectedJsonBytes: jsonBytes, fullObjectJsonBytes: fullBytes };
}

/**
 * A converge of `groups` order groups of `perGroup` modules: module i's beforeHelm hook takes
 * 10–40 ms and its helm upgrade `helmMs`. The critical path is the sum over groups of the slowest
 * module (hook + helm); the makespan is ConvergeStarted → ConvergeCompleted on the wall clock.
 */
export async function orderGroupsMakespan({ groups = 8, perGroup = 5, helmMs = 40 } = {}) {
  const hookMs = (i) => 10 + ((i * 13) % 31);
  const modules = groups * perGroup;
  let critical = 0;
  for (let g = 0; g < groups; g++) {
    let slowest = 0;
    for (let k = 0; k < perGroup; k++) slowest = Math.max(slowest, hookMs(g * perGroup + k) + helmMs);
    critical += slowest;
  }
  let best;
  for (let round = 0; round < 3; round++) {
    const store = new MemoryEventStore();
    const engine = benchEngine({
      store,
      modules,
      hookMs,
      helmMs,
      order: (i) => Math.floor(i / perGroup) + 1,
    });
    const t0 = performance.now();
    let started;
    let completed;
    engine.events$.subscribe((e) => {
      if (e.type === 'ConvergeStarted' && started === undefined) started = performance.now();
      if (e.type === 'ConvergeCompleted' && completed === undefined) completed = performance.now();
    });
    await engine.start();
    await converged(engine);
    await engine.stop({ graceMs: 0 });
    const makespan = (completed ?? performance.now()) - (started ?? t0);
    if (!best || makespan < best.makespan) best = { makespan };
  }
  return { groups, perGroup, helmMs, criticalPathMs: critical, makespanMs: best.makespan };
}
