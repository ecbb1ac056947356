import type { BindingContext, HookMetricOperation, ObjectPatchOperation, Values } from '@converge/core';
import type { JsonPatchOperation, KubeObject } from '@converge/protocol';
import { HookRunError } from './errors.js';
import { MetricsCollector } from './metrics-collector.js';
import { PatchCollector } from './patch-collector.js';
import { PatchableValues } from './patchable-values.js';
import { type Snapshots, snapshotsOf } from './snapshots.js';

/** The hook protocol's inputs (the test kit's `HookInput`): what a shell hook reads from files. */
export interface SdkHookInput {
  binding: string;
  bindingContexts: BindingContext[];
  values: Values;
  configValues: Values;
  module?: string;
  hook: string;
}

/** The hook protocol's outputs (the test kit's `HookOutput`): what a shell hook writes to files. */
export interface SdkHookOutput {
  valuesPatch?: JsonPatchOperation[];
  configValuesPatch?: JsonPatchOperation[];
  kubernetesPatches?: ObjectPatchOperation[];
  metrics?: HookMetricOperation[];
}

/** What an SDK hook's `run` receives: the raw input plus module-sdk's helpers. */
export interface HookContext {
  input: SdkHookInput;
  /** Flattened snapshot items by binding name (module-sdk internal/controller/controller.go). */
  snapshots: Snapshots;
  values: PatchableValues;
  configValues: PatchableValues;
  metrics: MetricsCollector;
  patches: PatchCollector;
}

/** A hook written with the SDK: the shell `--config` document and a function using the helpers. */
export interface HookDefinitionInput {
  name: string;
  /** What a shell hook prints for `--config` (v0 or v1). */
  config: Record<string, unknown>;
  /** In-code filters by kubernetes binding name (the test kit's `CodeHook.filters`). */
  filters?: Record<string, (object: KubeObject) => unknown>;
  /**
   * Does the hook's work; its return value is ignored. Throwing fails the run: only the metrics
   * collected and `/status` patches with `ignoreHookError` are applied (HookRunError).
   */
  run: (context: HookContext) => unknown;
}

/** An SDK hook, usable wherever the test kit expects a `CodeHook`. */
export interface SdkHook {
  name: string;
  config: Record<string, unknown>;
  filters?: Record<string, (object: KubeObject) => unknown>;
  run: (input: SdkHookInput) => Promise<SdkHookOutput>;
}

/**
 * Wraps a hook function so that it gets snapshots, patchable values and collectors, and returns
 * their combined outputs (values and config values patches, object operations, metrics) like
 * module-sdk's `hook run`. If `run` throws or rejects, it rejects with a HookRunError carrying
 * the metrics and the ignoreHookError `/status` patches collected so far, which the engine applies
 * as addon-operator does for a failed Go hook; values patches are dropped.
 */
export function defineHook(definition: HookDefinitionInput): SdkHook {
  return {
    name: definition.name,
    config: definition.config,
    ...(definition.filters ? { filters: definition.filters } : {}),
    async run(input: SdkHookInput): Promise<SdkHookOutput> {
      const context: HookContext = {
        input,
        snapshots: snapshotsOf(input.bindingContexts),
        values: new PatchableValues(input.values),
        configValues: new PatchableValues(input.configValues),
        metrics: new MetricsCollector(),
        patches: new PatchCollector(),
      };
      try {
        await definition.run(context);
      } catch (e) {
        throw new HookRunError(e instanceof Error ? e.message : String(e), failedRunOutput(context), {
          cause: e,
        });
      }
      return {
        valuesPatch: context.values.patch(),
        configValuesPatch: context.configValues.patch(),
        kubernetesPatches: context.patches.operations(),
        metrics: context.metrics.operations(),
      };
    },
  };
}

/** What a failed run still outputs (shell-operator's GetPatchStatusOperationsOnHookError). */
function failedRunOutput(context: HookContext): HookRunError['hookOutput'] {
  return {
    metrics: context.metrics.operations(),
    kubernetesPatches: context.patches
      .operations()
      .filter((op) => op.ignoreHookError === true && 'subresource' in op && op.subresource === '/status'),
  };
}
