import type { EngineCore } from './engine-core.js';

/**
 * The parts of a running engine's internals that the test kit (`@converge/testing`: abandoning a
 * dead engine, module values) and the server (`@converge/server`: queue dumps, the inspector's
 * store reads, the metrics sink, the debug routes) read. Not for users: `Engine` is the API.
 */
export type EngineInternals = Pick<
  EngineCore,
  | 'clock'
  | 'cluster'
  | 'globalHooks'
  | 'kube'
  | 'metrics'
  | 'moduleDefs'
  | 'moduleRuntime'
  | 'queue'
  | 'queues'
  | 'resources'
  | 'state'
  | 'stopped'
  | 'store'
  | 'values'
>;

const internals = new WeakMap<object, EngineCore>();

/** createEngine records the core behind the engine it returns (runtime-internal, not exported). */
export function registerEngineInternals(engine: object, core: EngineCore): void {
  internals.set(engine, core);
}

/**
 * The internals behind `engine` (an engine `createEngine` returned), for `@converge/testing` and
 * `@converge/server` only; throws a TypeError for any other object.
 */
export function internalsForTestKitAndServer(engine: object): EngineInternals {
  const core = internals.get(engine);
  if (!core) throw new TypeError('internalsForTestKitAndServer: not an engine returned by createEngine');
  return core;
}
