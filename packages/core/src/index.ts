// The public API of @converge/core, by name (docs/api.md lists each one; `npm run lint` checks both).
export { backoffDelayMs, REPEAT_DELAY_MS } from './backoff.js';
export {
  applyEvent,
  type EngineState,
  evolve,
  initialEngineState,
  type ReplayOptions,
  replay,
} from './engine-state.js';
export { EventSubscribers } from './event-subscribers.js';
export { type ConvergeContext, convergeMachine } from './machines/converge-machine.js';
export {
  type ModuleContext,
  type ModuleInput,
  moduleMachine,
  type ResumePoint,
} from './machines/module-machine.js';
export { type StartupContext, startupMachine } from './machines/startup-machine.js';
export { type ModuleStep, moduleStateName, nextConvergeStep, nextModuleStep } from './machines/steps.js';
export { type NotEnabledReason, notEnabledReason } from './not-enabled-reason.js';
export { type PersistedEngineState, persistEngineState, restoreEngineState } from './persisted-state.js';
export { diffEnabled, enabledBeforeScript, groupByOrder, sortModules } from './planning.js';
export type {
  AbortSignalLike,
  BindingContext,
  Clock,
  ClusterSource,
  ConfigDocument,
  ConfigSource,
  EnabledScriptInput,
  EventStore,
  ExecutorCallOptions,
  GlobalDefinition,
  HookDefinition,
  HookMetricOperation,
  HookRunner,
  HookRunRequest,
  HookRunResult,
  HookWatch,
  Logger,
  Metrics,
  ModuleDefinition,
  ModuleSource,
  ObjectApplier,
  ObjectPatchOperation,
  Random,
  ReleaseExecutor,
  ReleaseInfo,
  RenderResult,
  StoredSnapshot,
  StoreRecords,
  TimerHandle,
  Unsubscribe,
  Values,
} from './ports.js';
export { rateLimitOf, reserveToken, type TokenBucket } from './rate-limit.js';
export { canonicalJson, jsonEqual, valuesChecksum } from './values/checksum.js';
export { draftValuesPatch } from './values/draft-patch.js';
export { applyPatchOps, normalizePatchOps, type ValuesPatchOp } from './values/json-patch.js';
export { computeValues } from './values/layering.js';
export { deepMerge } from './values/merge.js';
export {
  DEFAULT_UNNUMBERED_MODULE_ORDER,
  ENABLED_SUFFIX,
  enabledKey,
  GLOBAL_VALUES_KEY,
  ModuleNameError,
  moduleNameFromKey,
  parseModuleDirName,
  valuesKey,
} from './values/naming.js';
export { applyHookPatch, type HookPatchResult } from './values/values-patch.js';
