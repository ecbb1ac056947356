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

/**
 * Returns `target` with the method at `methods[name]`'s argument index given a signal of its own
 * that aborts when `signal` does. The call's signal lives as long as the call: executors add abort
 * listeners to it and need not remove them, and the engine's signal holds one listener per call in
 * flight, not one per call ever made (a week of hook runs; docs/performance.md, the soak).
 */
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
        if (call.signal) return value.apply(t, args);
        const own = callSignal(signal);
        next[at] = { ...call, signal: own.signal };
        let out: unknown;
        try {
          out = value.apply(t, next);
        } catch (e) {
          own.done();
          throw e;
        }
        if (typeof (out as PromiseLike<unknown> | undefined)?.then === 'function')
          (out as PromiseLike<unknown>).then(own.done, own.done);
        else own.done();
        return out;
      };
    },
  });
}

/** A signal for one call that follows `parent` until `done()`. */
function callSignal(parent: AbortSignal): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  if (parent.aborted) {
    controller.abort();
    return { signal: controller.signal, done: () => {} };
  }
  const follow = () => controller.abort();
  parent.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, done: () => parent.removeEventListener('abort', follow) };
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
