// Engines for the fleet benchmark (bench/fleet.mjs): in-code modules whose hooks and helm
// upgrades take a simulated time, over an in-memory cluster, on any event store.
import { InMemoryCluster } from '@converge/cluster-memory';
import { createEngine, silentLogger } from '@converge/runtime';
import { CodeHookRunner, CodeModuleSource } from '@converge/testing';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Helm releases kept in memory; an upgrade takes `helmMs` (a real one is a helm process). */
export function latencyReleases(helmMs) {
  const releases = new Map();
  return {
    async status(name) {
      return releases.get(name);
    },
    async list() {
      return [...releases.keys()].sort();
    },
    async render(_module, values) {
      return { manifest: '', checksum: `c${JSON.stringify(values ?? {}).length}`, objects: [] };
    },
    async upgrade(module, _values, o) {
      if (helmMs > 0) await sleep(helmMs);
      const r = {
        name: module,
        namespace: 'default',
        revision: (releases.get(module)?.revision ?? 0) + 1,
        status: 'deployed',
        checksum: o.checksum,
        labels: o.labels,
      };
      releases.set(module, r);
      return r;
    },
    async uninstall(name) {
      releases.delete(name);
    },
    async absentResources() {
      return [];
    },
  };
}

/**
 * An engine of `modules` in-code modules, each with one beforeHelm hook that takes
 * `hookMs(i)` ms and (when `helmMs` > 0) a chart whose upgrade takes `helmMs`. `order(i)` gives
 * module i's order (same order: one parallel group). `extraHooks(i)` adds hooks to module i.
 */
export function benchEngine({
  store,
  modules = 50,
  hookMs = () => 5,
  helmMs = 0,
  order = (i) => i + 1,
  extraHooks = () => [],
  cluster = new InMemoryCluster(),
}) {
  const hooks = new Map();
  const defs = [];
  for (let i = 0; i < modules; i++) {
    const name = `m${String(i).padStart(3, '0')}`;
    const ms = hookMs(i);
    hooks.set(name, [
      {
        name: 'hooks/before-helm',
        config: { configVersion: 'v1', beforeHelm: 1 },
        run: async () => {
          if (ms > 0) await sleep(ms);
        },
      },
      ...extraHooks(i),
    ]);
    defs.push({
      name,
      order: order(i),
      ...(helmMs > 0 ? { chart: { 'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n` } } : {}),
    });
  }
  return createEngine({
    hooks: new CodeHookRunner([], hooks),
    modules: new CodeModuleSource(defs),
    releases: latencyReleases(helmMs),
    cluster,
    store,
    logger: silentLogger,
  });
}

/** Resolves once the engine's startup is done and it is idle (its first converge finished). */
export function converged(engine) {
  return new Promise((resolve) => {
    const check = () => {
      if (engine.isIdle() && engine.state.startup.value === 'ready') {
        subscription?.unsubscribe();
        resolve();
      }
    };
    const subscription = engine.activity$.subscribe(check);
    check();
  });
}
