// The public API of @converge/runtime, by name (docs/api.md lists each one; `npm run lint` checks both).
export { SystemClock, seededRandom, systemRandom, VirtualClock } from './clock.js';
export { collectJqResults, type JqEngine } from './cluster/jq-engine.js';
export { createEngine, type Engine, type EngineStatus, type StopOptions } from './engine/engine.js';
export { type EngineInternals, internalsForTestKitAndServer } from './engine/engine-internals.js';
export type { EngineOptions } from './engine/engine-options.js';
export { MAIN } from './engine/queue-names.js';
export { describeTask } from './engine/task.js';
export { hookDefinitionFromConfig } from './hook-definition.js';
export { HookMetricsError, HookMetricsStorage } from './hook-metrics.js';
export { createLogger, MemoryLogger, silentLogger } from './logger.js';
export {
  MemoryMetrics,
  nullMetrics,
  PrometheusMetrics,
  type PrometheusMetricsOptions,
  teeMetrics,
} from './metrics.js';
export { TIMING_BUCKETS } from './metrics-catalog.js';
export { makePrivateTempDir } from './process/private-temp-dir.js';
export { isProcessAlive, processGroupMembers } from './process/proc-stat.js';
export {
  ProcessGroupRegistry,
  type ProcessGroupRegistryOptions,
  type TrackProcessGroup,
} from './process/process-group-registry.js';
export { type GroupTermination, signalGroup, terminateGroup } from './process-group.js';
export {
  JsonlEventWriter,
  type JsonlEventWriterOptions,
  type JsonlLogReadOptions,
  parseJsonlLog,
  readJsonlLog,
  readJsonlLogStrict,
  writeJsonlLog,
} from './store/jsonl-event-log.js';
export { MemoryEventStore, type MemoryEventStoreOptions } from './store/memory-event-store.js';
