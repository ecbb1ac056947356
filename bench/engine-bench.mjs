// Engine benchmarks (issue: engine): a converge of N modules × H no-op in-code hooks, replay of
// the resulting log, and the cost of spawning /bin/true as the yardstick, all in one run.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { InMemoryCluster } from '@converge/cluster-memory';
import { replay, restoreEngineState } from '@converge/core';
import { parseHookConfig } from '@converge/protocol';
import {
  createEngine,
  hookDefinitionFromConfig,
  MemoryEventStore,
  seededRandom,
  VirtualClock,
} from '@converge/runtime';
import { filter, firstValueFrom } from 'rxjs';

const okResult = { ok: true, valuesPatch: [], configValuesPatch: [], objectPatches: [], metrics: [] };

function bindingsFor(i) {
  // 8 hooks: 2 onStartup, 3 beforeHelm, 3 afterHelm.
  const kinds = [
    'onStartup',
    'onStartup',
    'beforeHelm',
    'beforeHelm',
    'beforeHelm',
    'afterHelm',
    'afterHelm',
    'afterHelm',
  ];
  return { configVersion: 'v1', [kinds[i]]: i + 1 };
}

/**
 * `attach(engine)`, when given, runs before the clock starts and returns `detach(lastSeq)`, which
 * runs after it stops (the inspector bench serves the engine and connects a client there).
 */
export async function convergeBench({ modules = 1000, hooksPerModule = 8, metrics, attach } = {}) {
  const defs = Array.from({ length: hooksPerModule }, (_, i) =>
    hookDefinitionFromConfig(
      `hooks/h${i}`,
      parseHookConfig(bindingsFor(i), { file: `h${i}`, hook: `hooks/h${i}`, kind: 'module' }),
    ),
  );
  let hookRuns = 0;
  const hooks = {
    async globalHooks() {
      return [];
    },
    async moduleHooks() {
      return defs;
    },
    async run() {
      hookRuns++;
      return okResult;
    },
  };
  const moduleDefs = Array.from({ length: modules }, (_, i) => ({
    name: `m${String(i).padStart(4, '0')}`,
    order: i + 1,
    hasChart: false,
    staticEnabled: true,
  }));
  const source = {
    async global() {
      return {};
    },
    async modules() {
      return moduleDefs;
    },
    async runEnabledScript() {
      return { enabled: true };
    },
  };
  const releases = {
    async status() {},
    async list() {
      return [];
    },
    async render() {
      return { manifest: '', checksum: '', objects: [] };
    },
    async upgrade() {
      throw new Error('no charts in this benchmark');
    },
    async uninstall() {},
    async absentResources() {
      return [];
    },
  };
  const store = new MemoryEventStore();
  const engine = createEngine({
    hooks,
    modules: source,
    releases,
    cluster: new InMemoryCluster(),
    clock: new VirtualClock(),
    random: seededRandom(1),
    store,
    ...(metrics ? { metrics } : {}),
  });
  const detach = attach ? await attach(engine) : undefined;
  const t0 = performance.now();
  await engine.start();
  await firstValueFrom(engine.idle$.pipe(filter((idle) => idle && engine.state.startup.value === 'ready')));
  const ms = performance.now() - t0;
  await detach?.(store.lastSeq());
  await engine.stop();
  const events = store.read(1);
  return { ms, hookRuns, events, snapshot: store.loadSnapshot() };
}

export function replayBench(events, rounds = 5) {
  let best = Infinity;
  let state;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    state = replay(events);
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, eventsPerSecond: (events.length / best) * 1000, transitions: state.transitions, state };
}

/** Restores the store's last snapshot and folds only the tail after it. */
export function snapshotReplayBench(events, snapshot, rounds = 5) {
  let best = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    replay(events, { seq: snapshot.seq, state: restoreEngineState(snapshot.state) });
    best = Math.min(best, performance.now() - t0);
  }
  return { ms: best, tail: events.length - snapshot.seq };
}

export function spawnBench(rounds = 200) {
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) spawnSync('/bin/true');
  return { msPerSpawn: (performance.now() - t0) / rounds };
}
