import type { ExecutorCallOptions, HookRunner, ModuleSource, ReleaseExecutor } from '@converge/core';

/** Where each executor method takes its `ExecutorCallOptions` (the argument index). */
const RELEASE_CALL_OPTIONS: Record<string, number> = {
  status: 1,
  list: 0,
  render: 2,
  upgrade: 2,
  uninstall: 1,
  absentResources: 2,
};

/** Returns `target` with the method at `methods[name]`'s argument index given `signal` too. */
function withSignalAt<T extends object>(target: T, signal: AbortSignal, methods: Record<string, number>): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (typeof value !== 'function') return value;
      const at = typeof prop === 'string' ? methods[prop] : undefined;
      if (at === undefined) return value.bind(t);
      return (...args: unknown[]) => {
        const call = (args[at] ?? {}) as ExecutorCallOptions;
        const next = [...args];
        next[at] = { ...call, signal: call.signal ?? signal };
        return value.apply(t, next);
      };
    },
  });
}

/**
 * The engine's executors with its stop signal on every call that may start a process: hook runs
 * (`HookRunRequest.signal`), `enabled` scripts and Helm operations. Aborting the signal (the stop
 * grace has passed) ends those processes (docs/compatibility.md "Stopping").
 */
export function withStopSignal(
  executors: { hooks: HookRunner; modules: ModuleSource; releases: ReleaseExecutor },
  signal: AbortSignal,
): { hooks: HookRunner; modules: ModuleSource; releases: ReleaseExecutor } {
  return {
    hooks: withSignalAt(executors.hooks, signal, { run: 0, globalHooks: 0, moduleHooks: 1 }),
    modules: withSignalAt(executors.modules, signal, { runEnabledScript: 2 }),
    releases: withSignalAt(executors.releases, signal, RELEASE_CALL_OPTIONS),
  };
}
