import type {
  Clock,
  ClusterSource,
  ConfigSource,
  EventStore,
  HookRunner,
  Logger,
  Metrics,
  ModuleSource,
  ObjectApplier,
  Random,
  ReleaseExecutor,
} from '@converge/core';
import type { JqEngine } from '../cluster/jq-engine.js';
import type { ProcessGroupRegistry } from '../process/process-group-registry.js';

/** Everything `createEngine` needs; executors are injected (README.md "Embed the engine"). */
export interface EngineOptions {
  hooks: HookRunner;
  modules: ModuleSource;
  releases: ReleaseExecutor;
  /** The cluster: list/watch for bindings and the object-patch applier. */
  cluster: ClusterSource & ObjectApplier;
  config?: ConfigSource;
  store?: EventStore;
  clock?: Clock;
  random?: Random;
  logger?: Logger;
  metrics?: Metrics;
  jq?: JqEngine;
  /** Release namespace (default `default`). */
  namespace?: string;
  /** Kill a hook after this many ms (0 = no timeout, as in addon-operator). */
  hookTimeoutMs?: number;
  runId?: string;
  /** Save a persisted state snapshot to the store every this many events (default 10,000; 0 = never). */
  snapshotEvery?: number;
  /** Number of parallel queues (addon-operator: 20, of which 19 are used). */
  parallelQueues?: number;
  /**
   * The registry the hook, enabled-script and helm runners record their process groups in: it is
   * attached to `store`'s records, and `start()` first ends what a crashed run left of its groups.
   */
  processGroups?: ProcessGroupRegistry;
  /** Parent of the executors' private temp dirs (default: the OS temp dir); `start()` removes crashed runs' dirs there. */
  tmpDir?: string;
}
