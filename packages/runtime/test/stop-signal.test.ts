import { getEventListeners } from 'node:events';
import type {
  AbortSignalLike,
  HookRunner,
  HookRunRequest,
  ModuleSource,
  ReleaseExecutor,
} from '@converge/core';
import { describe, expect, it } from 'vitest';
import { withStopSignal } from '../src/engine/stop-signal.js';

/** A hook runner that adds an abort listener to every call's signal and never removes it. */
function careless() {
  const pending: (() => void)[] = [];
  const seen: AbortSignalLike[] = [];
  const hooks = {
    async globalHooks() {
      return [];
    },
    async moduleHooks() {
      return [];
    },
    run(request: HookRunRequest) {
      const signal = request.signal as AbortSignalLike;
      seen.push(signal);
      return new Promise((resolve) => {
        signal.addEventListener('abort', () => resolve({ ok: false, error: 'aborted' }));
        pending.push(() =>
          resolve({ ok: true, valuesPatch: [], configValuesPatch: [], objectPatches: [], metrics: [] }),
        );
      });
    },
  } as unknown as HookRunner;
  return { hooks, pending, seen };
}

const request: HookRunRequest = {
  hook: { name: 'h' },
  binding: 'schedule',
  bindingContexts: [],
  values: {},
  configValues: {},
  timeoutMs: 0,
};

describe('the engine stop signal on executor calls', () => {
  it('a call that settled leaves no listener on the engine signal, however many were made', async () => {
    const engine = new AbortController();
    const { hooks, pending } = careless();
    const wrapped = withStopSignal(
      { hooks, modules: {} as ModuleSource, releases: {} as ReleaseExecutor },
      engine.signal,
    );
    for (let i = 0; i < 1_000; i++) {
      const run = wrapped.hooks.run({ ...request });
      pending.shift()?.();
      await run;
    }
    expect(getEventListeners(engine.signal, 'abort')).toHaveLength(0);
  });

  it('aborting the engine signal aborts the calls in flight', async () => {
    const engine = new AbortController();
    const { hooks, seen } = careless();
    const wrapped = withStopSignal(
      { hooks, modules: {} as ModuleSource, releases: {} as ReleaseExecutor },
      engine.signal,
    );
    const runs = [1, 2].map(() => wrapped.hooks.run({ ...request }));
    expect(getEventListeners(engine.signal, 'abort')).toHaveLength(2);
    engine.abort();
    expect(await Promise.all(runs)).toMatchObject([{ error: 'aborted' }, { error: 'aborted' }]);
    expect(seen.map((s) => s.aborted)).toEqual([true, true]);
    // A call made after the stop gets an aborted signal at once.
    const late = wrapped.hooks.run({ ...request });
    expect(seen[2].aborted).toBe(true);
    void late;
  });
});
