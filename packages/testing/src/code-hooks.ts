import type {
  AbortSignalLike,
  BindingContext,
  HookDefinition,
  HookMetricOperation,
  HookRunner,
  HookRunRequest,
  HookRunResult,
  ObjectPatchOperation,
  Values,
} from '@converge/core';
import { type JsonPatchOperation, type KubeObject, parseInProcessHookConfig } from '@converge/protocol';
import { hookDefinitionFromConfig } from '@converge/runtime';

/** What an in-code hook receives: the same inputs a shell hook reads from its files. */
export interface HookInput {
  binding: string;
  bindingContexts: BindingContext[];
  /** `$VALUES_PATH` content: `{ global, <valuesKey> }`. */
  values: Values;
  /** `$CONFIG_VALUES_PATH` content. */
  configValues: Values;
  module?: string;
  hook: string;
  /** Aborted when the engine stops past its grace; the run then fails "aborted" without waiting for the hook. */
  signal?: AbortSignalLike;
}

/** What an in-code hook may return: the same outputs a shell hook writes to its files. */
export interface HookOutput {
  valuesPatch?: JsonPatchOperation[];
  configValuesPatch?: JsonPatchOperation[];
  kubernetesPatches?: ObjectPatchOperation[];
  metrics?: HookMetricOperation[];
}

/**
 * A hook defined in TypeScript: `config` is what a shell hook prints for `--config` (v0 or
 * v1), `run` does its work. Throwing (or rejecting) fails the run like a non-zero exit; an error
 * with `hookOutput: {metrics?, kubernetesPatches?}` (the SDK's HookRunError) still has those
 * applied, as addon-operator applies a failed Go hook's metrics and status patches.
 */
export interface CodeHook {
  name: string;
  config: Record<string, unknown>;
  /** In-code filters by kubernetes binding name; their result is the item's filterResult. */
  filters?: Record<string, (object: KubeObject) => unknown>;
  run?: (input: HookInput) => HookOutput | undefined | Promise<HookOutput | undefined>;
}

/** Runs in-code hooks with the hook protocol's inputs and outputs. */
export class CodeHookRunner implements HookRunner {
  constructor(
    private readonly global: CodeHook[],
    private readonly modules: Map<string, CodeHook[]>,
  ) {}

  private define(hook: CodeHook, kind: 'global' | 'module'): HookDefinition {
    // In-process hooks follow addon-operator's Go hooks: fractional orders, EnableSchedulesOnStartup.
    const { config, enableSchedulesOnStartup } = parseInProcessHookConfig(hook.config, {
      file: hook.name,
      hook: hook.name,
      kind,
    });
    const def = hookDefinitionFromConfig(hook.name, config, hook.filters);
    return enableSchedulesOnStartup ? { ...def, enableSchedulesOnStartup } : def;
  }

  async globalHooks(): Promise<HookDefinition[]> {
    return this.global.map((h) => this.define(h, 'global'));
  }

  async moduleHooks(module: string): Promise<HookDefinition[]> {
    return (this.modules.get(module) ?? []).map((h) => this.define(h, 'module'));
  }

  async run(request: HookRunRequest): Promise<HookRunResult> {
    const list = request.hook.module ? this.modules.get(request.hook.module) : this.global;
    const hook = list?.find((h) => h.name === request.hook.name);
    if (!hook) return { ok: false, error: `no such hook: ${request.hook.name}` };
    const signal = request.signal;
    if (signal?.aborted) return { ok: false, error: 'aborted' };
    try {
      const running = Promise.resolve(
        hook.run?.({
          binding: request.binding,
          bindingContexts: JSON.parse(JSON.stringify(request.bindingContexts)),
          values: JSON.parse(JSON.stringify(request.values)),
          configValues: JSON.parse(JSON.stringify(request.configValues)),
          module: request.hook.module,
          hook: request.hook.name,
          ...(signal ? { signal } : {}),
        }),
      );
      // An in-code hook cannot be killed: once aborted, the engine stops waiting for it.
      let onAbort = () => {};
      const aborted = new Promise<'aborted'>((resolve) => {
        onAbort = () => resolve('aborted');
        signal?.addEventListener('abort', onAbort);
      });
      const out = await Promise.race([running, aborted]).finally(() =>
        signal?.removeEventListener('abort', onAbort),
      );
      if (out === 'aborted') return { ok: false, error: 'aborted' };
      const outputs = out ?? {};
      return {
        ok: true,
        valuesPatch: outputs.valuesPatch ?? [],
        configValuesPatch: outputs.configValuesPatch ?? [],
        objectPatches: outputs.kubernetesPatches ?? [],
        metrics: outputs.metrics ?? [],
      };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e), ...failedRunOutputOf(e) };
    }
  }
}

/** The outputs a thrown error carries (`hookOutput`, as the SDK's HookRunError), if any. */
function failedRunOutputOf(e: unknown): {
  metrics?: HookMetricOperation[];
  objectPatches?: ObjectPatchOperation[];
} {
  const out = typeof e === 'object' && e !== null ? (e as { hookOutput?: unknown }).hookOutput : undefined;
  if (typeof out !== 'object' || out === null) return {};
  const { metrics, kubernetesPatches } = out as { metrics?: unknown; kubernetesPatches?: unknown };
  return {
    ...(Array.isArray(metrics) && metrics.length ? { metrics: metrics as HookMetricOperation[] } : {}),
    ...(Array.isArray(kubernetesPatches) && kubernetesPatches.length
      ? {
          objectPatches: (kubernetesPatches as (ObjectPatchOperation & { ignoreHookError?: boolean })[]).map(
            ({ ignoreHookError: _i, ...op }) => op as ObjectPatchOperation,
          ),
        }
      : {}),
  };
}
