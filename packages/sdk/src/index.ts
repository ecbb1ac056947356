// The public API of @converge/sdk, by name (docs/api.md lists each one; `npm run lint` checks both).
export {
  defineHook,
  type HookContext,
  type HookDefinitionInput,
  type SdkHook,
  type SdkHookInput,
  type SdkHookOutput,
} from './define-hook.js';
export { HookRunError, SdkUsageError } from './errors.js';
export { type HookMetadata, hookMetadata } from './hook-metadata.js';
export { type MetricOptions, MetricsCollector } from './metrics-collector.js';
export { PatchCollector, type PatchOptions, type SdkObjectPatchOperation } from './patch-collector.js';
export { PatchableValues } from './patchable-values.js';
export { type Snapshots, snapshotsOf } from './snapshots.js';
