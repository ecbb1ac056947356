// The public API of @converge/protocol, by name (docs/api.md lists each one; `npm run lint` checks both).
export { mapBatchHookConfig } from './batch-config.js';
export { type CrontabSchedule, parseCrontab, parseGoDuration } from './crontab.js';
export {
  ConvergeError,
  EventsNotRetainedError,
  HelmNotFoundError,
  HookConfigError,
  isConvergeError,
  NodeVersionError,
  ReplayDivergenceError,
  StoreCorruptionError,
  StoreFencedError,
  type StoreHolder,
  StoreLockedError,
  StoreNotFoundError,
  ValuesPatchError,
} from './errors.js';
export {
  type BindingType,
  type ConvergeEvent,
  type ConvergeReason,
  convergeEventSchema,
  type EventOf,
  type EventType,
  eventVersions,
  type HookDescriptor,
  type JsonPatchOperation,
  type LifecycleBinding,
  lifecycleBindingSchema,
  type ModuleFailedPhase,
  type ModuleInfo,
  type NewEvent,
} from './events.js';
export { parseHookConfig } from './hook-config.js';
export type { EffectiveHookConfig, EffectiveKubernetesBinding } from './hook-config-effective.js';
export {
  bindingContextFileSchema,
  type MetricOperation,
  metricOperationProblem,
  metricOperationSchema,
  type ObjectPatchOperationShape,
  objectPatchOperationSchema,
} from './hook-files.js';
export { parseInProcessHookConfig } from './in-process-hook-config.js';
export {
  type FieldSelector,
  type KubeObject,
  kubeObjectSchema,
  type LabelSelector,
  type ObjectRef,
  type ResourceSelector,
  type WatchEvent,
  type WatchEventType,
} from './kube.js';
export { formatIssueLines, safeParseWithRules } from './schema-issues.js';
export {
  checkStoredEvent,
  EventVersionError,
  eventUpcasters,
  type UpcastOptions,
  upcastEvent,
} from './upcast.js';
