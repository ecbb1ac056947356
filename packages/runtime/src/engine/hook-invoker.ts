import {
  applyHookPatch,
  type BindingContext,
  type HookDefinition,
  type HookPatchResult,
  type HookRunResult,
  type Values,
  type ValuesPatchOp,
  valuesKey,
} from '@converge/core';
import type { BindingType, JsonPatchOperation } from '@converge/protocol';
import { HookMetricsError, HookMetricsStorage } from '../hook-metrics.js';
import { hookMetricsSink } from '../metrics.js';
import type { EngineCore } from './engine-core.js';

export interface HookInvocation {
  module?: string;
  hook: HookDefinition;
  binding: BindingType;
  contexts: BindingContext[];
  attempt: number;
  queue: string;
  synchronization?: boolean;
}

export type HookOutcome = { ok: true; valuesChanged: boolean } | { ok: false; error: string };

const bindingNamesOf = (contexts: BindingContext[]) => contexts.map((c) => String(c.binding));

/**
 * Runs one hook through the HookRunner and applies its outputs in addon-operator's order
 * (addon-operator pkg/module_manager/models/hooks/kind/shellhook.go): metrics, object patches, config values patch, values patch. Records HookStarted,
 * then HookSucceeded or HookFailed. Any output error fails the hook; nothing is half-recorded.
 */
export async function invokeHook(core: EngineCore, inv: HookInvocation): Promise<HookOutcome> {
  // settings.executionMinInterval / executionBurst: wait for a token first (hook-rate-limits.ts).
  const allowed = core.rateLimits.wait(inv.module, inv.hook, inv.queue);
  if (allowed !== true && !(await allowed)) return { ok: false, error: 'engine stopped' };
  const scope = inv.module ?? 'global';
  const base = {
    hook: inv.hook.name,
    ...(inv.module ? { module: inv.module } : {}),
    binding: inv.binding,
    bindingNames: bindingNamesOf(inv.contexts),
    attempt: inv.attempt,
    queue: inv.queue,
    ...(inv.synchronization ? { synchronization: true } : {}),
  };
  core.emit('HookStarted', { ...base });
  core.logger.info(
    { module: inv.module, hook: inv.hook.name, binding: inv.binding, queue: inv.queue },
    inv.module ? 'Module hook start' : 'Global hook start',
  );
  const before = core.values.checksum(scope);
  const started = core.clock.now();
  let result: HookRunResult;
  try {
    result = await core.options.hooks.run({
      hook: { module: inv.module, name: inv.hook.name },
      binding: inv.binding,
      bindingContexts: inv.contexts,
      values: core.values.hookValues(inv.module),
      configValues: core.values.hookConfigValues(inv.module),
      timeoutMs: core.options.hookTimeoutMs ?? 0,
    });
  } catch (e) {
    result = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  const labels: Record<string, string> = inv.module
    ? { module: inv.module, hook: inv.hook.name, binding: inv.binding, queue: inv.queue }
    : { hook: inv.hook.name, binding: inv.binding, queue: inv.queue };
  core.metrics.observe(
    inv.module ? 'module_hook_run_seconds' : 'global_hook_run_seconds',
    labels,
    (core.clock.now() - started) / 1000,
  );
  if (result.ok) {
    const applied = await applyOutputs(core, inv, result);
    if (applied !== undefined) result = { ok: false, error: applied };
  } else if (result.metrics?.length || result.objectPatches?.length) {
    result = { ok: false, error: await applyFailedRunOutputs(core, inv, result) };
  }
  if (!result.ok) {
    core.logger.error(
      {
        module: inv.module,
        hook: inv.hook.name,
        binding: inv.binding,
        queue: inv.queue,
        attempt: inv.attempt,
      },
      `${inv.module ? 'Module' : 'Global'} hook failed: ${result.error}`,
    );
    core.emit('HookFailed', { ...base, error: result.error });
    return { ok: false, error: result.error };
  }
  core.emit('HookSucceeded', { ...base });
  return { ok: true, valuesChanged: core.values.checksum(scope) !== before };
}

const hookMetrics = new WeakMap<EngineCore, HookMetricsStorage>();

/** The engine's hook metrics (shell-operator pkg/hook/operation.go groups), created on first use and mirrored into its sink. */
function hookMetricsOf(core: EngineCore): HookMetricsStorage {
  let storage = hookMetrics.get(core);
  if (!storage) {
    storage = new HookMetricsStorage(hookMetricsSink(core.metrics), (message) =>
      core.logger.warn({}, message),
    );
    hookMetrics.set(core, storage);
  }
  return storage;
}

/**
 * Applies what a failed in-process hook still outputs, as addon-operator's module and global
 * hook runs do for a failed Go hook (pkg/module_manager/models/modules/basic.go executeHook):
 * its metrics, then its `/status` patches; returns the run's error, extended by theirs.
 */
async function applyFailedRunOutputs(
  core: EngineCore,
  inv: HookInvocation,
  result: Extract<HookRunResult, { ok: false }>,
): Promise<string> {
  if (result.metrics?.length) {
    try {
      hookMetricsOf(core).apply({ hook: inv.hook.name, module: inv.module }, result.metrics);
    } catch (e) {
      if (!(e instanceof HookMetricsError)) throw e;
      return `${result.error}, invalid metrics written by ${inv.hook.name}: ${e.message}`;
    }
  }
  if (result.objectPatches?.length) {
    try {
      await core.cluster.apply(result.objectPatches);
    } catch (e) {
      return `${result.error}, update status operation failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return result.error;
}

/** Applies a successful run's outputs; returns an error message when one of them is rejected. */
async function applyOutputs(
  core: EngineCore,
  inv: HookInvocation,
  result: Extract<HookRunResult, { ok: true }>,
): Promise<string | undefined> {
  const scope = inv.module ?? 'global';
  try {
    hookMetricsOf(core).apply({ hook: inv.hook.name, module: inv.module }, result.metrics);
  } catch (e) {
    if (e instanceof HookMetricsError)
      return `invalid metrics (METRICS_PATH) written by ${inv.hook.name}: ${e.message}`;
    throw e;
  }
  if (result.objectPatches.length > 0) {
    try {
      await core.cluster.apply(result.objectPatches);
    } catch (e) {
      return `kubernetes object patch failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const def = inv.module ? core.moduleDefs.get(inv.module) : core.globalDef;
  const key = inv.module ? valuesKey(inv.module) : 'global';
  // Config values patch: validate against the config schema, persist, record (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch)).
  if (result.configValuesPatch.length > 0) {
    let applied: HookPatchResult;
    try {
      applied = applyHookPatch({
        scope: key,
        kind: 'config',
        current: core.state.configValues[scope] ?? {},
        ops: result.configValuesPatch,
        validate: def?.validateConfigValues,
      });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (applied.changed) {
      try {
        await core.options.config?.save(scope, applied.values);
      } catch (e) {
        return `cannot save config values: ${e instanceof Error ? e.message : String(e)}`;
      }
      core.emit('ConfigValuesChanged', { scope, patch: relative(applied.ops, key) });
      // The hook's own write is now part of the config: reading it back is no change (Q6 fixed).
      core.emit('ConfigReceived', { config: { ...core.config(), [key]: applied.values }, source: 'hook' });
    }
    recordDynamicEnabled(core, applied.enabled);
  }
  // Values patch: validate against the values schema, then store (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch)).
  if (result.valuesPatch.length > 0) {
    let applied: HookPatchResult;
    try {
      applied = applyHookPatch({
        scope: key,
        kind: 'values',
        current: scope === 'global' ? core.values.globalValues() : core.values.moduleValues(scope),
        ops: result.valuesPatch,
        validate: def?.validateValues,
      });
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (applied.changed) core.emit('ValuesChanged', { scope, patch: applied.ops as JsonPatchOperation[] });
    recordDynamicEnabled(core, applied.enabled);
  }
  return undefined;
}

/** Config values are stored per scope without the key: strip the `/<key>` prefix of each path. */
function relative(ops: ValuesPatchOp[], key: string): JsonPatchOperation[] {
  return ops.map((op) => ({ ...op, path: op.path.slice(key.length + 1) })) as JsonPatchOperation[];
}

function recordDynamicEnabled(core: EngineCore, updates: { module: string; enabled: boolean }[]): void {
  let changed = false;
  for (const u of updates) {
    if (core.state.decisions.dynamicEnabled[u.module] !== u.enabled) {
      core.emit('ModuleDynamicEnabledChanged', { module: u.module, enabled: u.enabled });
      changed = true;
    }
  }
  if (changed) core.dynamicEnabledChanged();
}

export type { JsonPatchOperation, Values };
