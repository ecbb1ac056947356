import { z } from 'zod';
import { SchemaValidationError } from './errors.js';
import type { LifecycleBinding } from './events.js';
import { hookConfigError } from './hook-config.js';
import { crossFieldIssues, expandGroups } from './hook-config-checks.js';
import type {
  EffectiveHookConfig,
  EffectiveKubernetesBinding,
  HookConfigContext,
} from './hook-config-effective.js';
import { fieldSelectorSchema, labelSelectorSchema } from './kube.js';
import {
  integerSchema,
  joinIssuePath,
  type SchemaIssue,
  safeParseWithRules,
  unsignedIntegerSchema,
} from './schema-issues.js';

/**
 * The module-sdk `hook config` document (module-sdk pkg/hook.go (BatchHookConfig)) and addon-operator's mapping of it onto effective
 * hook configs (addon-operator pkg/module_manager/models/hooks/kind/batch_hook.go, module-sdk pkg/hook.go (BatchHookConfig)). Decoding follows Go's JSON decoder: unknown keys and `null` are
 * ignored, but a value of the wrong type fails the whole binary. There is no OpenAPI check.
 */

const nullish = <T extends z.ZodType>(schema: T) => schema.nullish();

const batchNameSelectorSchema = z.looseObject({ matchNames: nullish(z.array(z.string())) });

/** A kubernetes binding as module-sdk emits it; `executeHookOnEvent` is a boolean here. */
export const batchKubernetesBindingSchema = z.looseObject({
  name: nullish(z.string()),
  apiVersion: nullish(z.string()),
  kind: nullish(z.string()),
  nameSelector: nullish(batchNameSelectorSchema),
  namespace: nullish(
    z.looseObject({
      nameSelector: nullish(batchNameSelectorSchema),
      labelSelector: nullish(labelSelectorSchema),
    }),
  ),
  labelSelector: nullish(labelSelectorSchema),
  fieldSelector: nullish(fieldSelectorSchema),
  executeHookOnEvent: nullish(z.boolean()),
  executeHookOnSynchronization: nullish(z.boolean()),
  waitForSynchronization: nullish(z.boolean()),
  keepFullObjectsInMemory: nullish(z.boolean()),
  jqFilter: nullish(z.string()),
  allowFailure: nullish(z.boolean()),
  resynchronizationPeriod: nullish(z.string()),
  includeSnapshotsFrom: nullish(z.array(z.string())),
  queue: nullish(z.string()),
});
export type BatchKubernetesBinding = z.infer<typeof batchKubernetesBindingSchema>;

/** One hook of a batch binary. `allowFailure` and `logLevel` are decoded and ignored, as in addon-operator. */
export const batchHookConfigSchema = z.looseObject({
  configVersion: nullish(z.string()),
  metadata: nullish(z.looseObject({ name: nullish(z.string()), path: nullish(z.string()) })),
  schedule: nullish(
    z.array(
      z.looseObject({ name: nullish(z.string()), crontab: nullish(z.string()), queue: nullish(z.string()) }),
    ),
  ),
  kubernetes: nullish(z.array(batchKubernetesBindingSchema)),
  onStartup: nullish(unsignedIntegerSchema()),
  beforeHelm: nullish(unsignedIntegerSchema()),
  afterHelm: nullish(unsignedIntegerSchema()),
  beforeDeleteHelm: nullish(unsignedIntegerSchema()),
  afterDeleteHelm: nullish(unsignedIntegerSchema()),
  allowFailure: nullish(z.boolean()),
  settings: nullish(
    z.looseObject({
      /** Nanoseconds (Go `time.Duration`). */
      executionMinInterval: nullish(integerSchema()),
      executionBurst: nullish(integerSchema()),
      enableSchedulesOnStartup: nullish(z.boolean()),
    }),
  ),
  logLevel: nullish(z.string()),
});
export type BatchHookConfig = z.infer<typeof batchHookConfigSchema>;

/** The versioned document: `{version: "v1", hooks: [...], readiness?, has_settings_check?}`. */
export const batchConfigSchema = z.looseObject({
  version: z.string(),
  hooks: nullish(z.array(batchHookConfigSchema)),
  readiness: nullish(batchHookConfigSchema),
  has_settings_check: nullish(z.boolean()),
});
export type BatchConfig = z.infer<typeof batchConfigSchema>;

/** The legacy document: a bare array of hook configs (no readiness, no settings check). */
export const legacyBatchConfigSchema = z.array(batchHookConfigSchema);

/** One hook registered from a batch binary. */
export interface BatchHookEntry {
  /** Argument of `hook run <key>`: the index as a decimal string, or `ready` for the readiness hook. */
  key: string;
  /** addon-operator's hook name (addon-operator pkg/module_manager/models/hooks/kind/batch_hook.go). */
  name: string;
  metadata: { name: string; path: string };
  config: EffectiveHookConfig;
}

export interface BatchHookSet {
  format: 'v1' | 'legacy';
  hooks: BatchHookEntry[];
  /** Run with `hook ready`; only in the versioned format. */
  readiness?: BatchHookEntry;
  /** The binary answers `hook check` (module-sdk pkg/settingscheck/). */
  hasSettingsCheck: boolean;
}

/** `file` is the normalized binary path (e.g. `hooks/batchhooks`), used in hook names. */
export type BatchConfigContext = Pick<HookConfigContext, 'file' | 'kind' | 'checkJqFilter'>;

/** Hook name per addon-operator pkg/module_manager/models/hooks/kind/batch_hook.go: `<file>:<name>:<key>` for module hooks, `<file>-<name>-<key>` for global ones. */
export function batchHookName(
  ctx: Pick<BatchConfigContext, 'file' | 'kind'>,
  metadataName: string,
  key: string,
): string {
  return ctx.kind === 'module' ? `${ctx.file}:${metadataName}:${key}` : `${ctx.file}-${metadataName}-${key}`;
}

function kubernetesFromBatch(k: BatchKubernetesBinding): EffectiveKubernetesBinding {
  const nameSelector = k.nameSelector ? { matchNames: [...(k.nameSelector.matchNames ?? [])] } : undefined;
  const ns = k.namespace;
  return {
    name: k.name || 'kubernetes',
    apiVersion: k.apiVersion ?? '',
    kind: k.kind ?? '',
    executeHookOnEvent: k.executeHookOnEvent === false ? [] : ['Added', 'Modified', 'Deleted'],
    executeHookOnSynchronization: k.executeHookOnSynchronization ?? true,
    waitForSynchronization: !(k.waitForSynchronization === false && !!k.queue),
    keepFullObjectsInMemory: k.keepFullObjectsInMemory ?? false,
    ...(nameSelector ? { nameSelector } : {}),
    ...(k.labelSelector ? { labelSelector: k.labelSelector } : {}),
    ...(k.fieldSelector ? { fieldSelector: k.fieldSelector } : {}),
    ...(ns && (ns.nameSelector || ns.labelSelector)
      ? {
          namespace: {
            ...(ns.nameSelector
              ? { nameSelector: { matchNames: [...(ns.nameSelector.matchNames ?? [])] } }
              : {}),
            ...(ns.labelSelector ? { labelSelector: ns.labelSelector } : {}),
          },
        }
      : {}),
    jqFilter: k.jqFilter ?? '',
    allowFailure: k.allowFailure ?? false,
    includeSnapshotsFrom: [...(k.includeSnapshotsFrom ?? [])],
    queue: k.queue || 'main',
    group: 'main',
  };
}

/**
 * addon-operator's remapping of one batch hook (module-sdk pkg/hook.go (BatchHookConfig)): every binding in group `main`, schedules
 * without allowFailure, a global hook's beforeHelm/afterHelm as beforeAll/afterAll.
 */
export function effectiveFromBatchHook(
  hook: BatchHookConfig,
  kind: 'global' | 'module',
): EffectiveHookConfig {
  const orders: Partial<Record<LifecycleBinding, number>> = {};
  if (hook.onStartup != null) orders.onStartup = hook.onStartup;
  const lifecycle: [keyof BatchHookConfig, LifecycleBinding][] =
    kind === 'global'
      ? [
          ['beforeHelm', 'beforeAll'],
          ['afterHelm', 'afterAll'],
        ]
      : [
          ['beforeHelm', 'beforeHelm'],
          ['afterHelm', 'afterHelm'],
          ['beforeDeleteHelm', 'beforeDeleteHelm'],
          ['afterDeleteHelm', 'afterDeleteHelm'],
        ];
  for (const [from, to] of lifecycle) {
    const value = hook[from];
    if (typeof value === 'number') orders[to] = value;
  }
  const s = hook.settings;
  return {
    version: 'v1',
    ...(hook.onStartup != null ? { onStartup: hook.onStartup } : {}),
    orders,
    kubernetes: (hook.kubernetes ?? []).map(kubernetesFromBatch),
    schedule: (hook.schedule ?? []).map((sc) => ({
      name: sc.name || 'schedule',
      crontab: sc.crontab ?? '',
      allowFailure: false,
      includeSnapshotsFrom: [],
      queue: sc.queue || 'main',
      group: 'main',
    })),
    ...(s
      ? {
          settings: {
            executionMinIntervalMs: (s.executionMinInterval ?? 0) / 1e6,
            executionBurst: s.executionBurst ?? 0,
          },
        }
      : {}),
    kubernetesValidating: [],
    kubernetesMutating: [],
    kubernetesCustomResourceConversion: [],
    unusedByAddonOperator: [],
  };
}

function parseJsonText(json: unknown, ctx: BatchConfigContext): { value: unknown; legacy: boolean } {
  if (typeof json !== 'string') return { value: json, legacy: Array.isArray(json) };
  const text = json.trim();
  try {
    return { value: JSON.parse(text), legacy: text.startsWith('[') };
  } catch (e) {
    throw hookConfigError({ ...ctx, hook: ctx.file }, [
      { path: '', message: `must be JSON (${(e as Error).message})` },
    ]);
  }
}

/**
 * Maps the output of `<binary> hook config` (the JSON text, or its parsed value) to one effective
 * config per hook, named as addon-operator names them. Throws `HookConfigError` (hook = the
 * binary) naming the field, e.g. `hooks[0].kubernetes[0].executeHookOnEvent`.
 */
export function mapBatchHookConfig(json: unknown, ctx: BatchConfigContext): BatchHookSet {
  const errorCtx = { ...ctx, hook: ctx.file };
  const { value, legacy } = parseJsonText(json, ctx);
  let hooks: BatchHookConfig[];
  let readiness: BatchHookConfig | undefined;
  let hasSettingsCheck = false;
  if (legacy) {
    const parsed = safeParseWithRules(legacyBatchConfigSchema, value);
    if (!parsed.success) throw hookConfigError(errorCtx, parsed.issues);
    hooks = parsed.data;
  } else {
    const parsed = safeParseWithRules(batchConfigSchema, value);
    if (!parsed.success) throw hookConfigError(errorCtx, parsed.issues);
    if (parsed.data.version !== 'v1')
      throw hookConfigError(errorCtx, [
        { path: 'version', message: `unknown version ${JSON.stringify(parsed.data.version)} (expected v1)` },
      ]);
    hooks = parsed.data.hooks ?? [];
    readiness = parsed.data.readiness ?? undefined;
    hasSettingsCheck = parsed.data.has_settings_check ?? false;
  }

  const issues: SchemaIssue[] = [];
  const entry = (
    hook: BatchHookConfig,
    key: string,
    base: string,
    name: (meta: string) => string,
  ): BatchHookEntry => {
    if (hook.configVersion && hook.configVersion !== 'v1')
      issues.push({
        path: joinIssuePath(base, 'configVersion'),
        message: `must be v1 (got ${JSON.stringify(hook.configVersion)})`,
      });
    const config = effectiveFromBatchHook(hook, ctx.kind);
    issues.push(...crossFieldIssues(config, { base, kubernetesKey: 'kubernetes' }, ctx));
    const metadata = { name: hook.metadata?.name ?? '', path: hook.metadata?.path ?? '' };
    return { key, name: name(metadata.name), metadata, config: expandGroups(config) };
  };
  const entries = hooks.map((hook, i) =>
    entry(hook, String(i), legacy ? joinIssuePath('', i) : joinIssuePath('hooks', i), (meta) =>
      batchHookName(ctx, meta, String(i)),
    ),
  );
  const ready = readiness ? entry(readiness, 'ready', 'readiness', () => `${ctx.file}-readiness`) : undefined;
  if (issues.length > 0) throw hookConfigError(errorCtx, issues);
  return {
    format: legacy ? 'legacy' : 'v1',
    hooks: entries,
    ...(ready ? { readiness: ready } : {}),
    hasSettingsCheck,
  };
}

/** The answer of `hook check` (module-sdk pkg/settingscheck/). */
export interface SettingsCheckResult {
  valid: boolean;
  message: string;
  warnings: string[];
}

const settingsCheckSchema = z.looseObject({
  valid: z.boolean(),
  message: nullish(z.string()),
  warnings: nullish(z.array(z.string())),
});

/**
 * Reads the result of `<binary> hook check`: exit 0 means valid; otherwise stderr must hold the JSON
 * result. Anything else throws `SchemaValidationError` naming the binary.
 */
export function parseSettingsCheckResult(
  run: { exitCode: number; stderr: string },
  ctx: { file: string },
): SettingsCheckResult {
  if (run.exitCode === 0) return { valid: true, message: '', warnings: [] };
  let value: unknown;
  try {
    value = JSON.parse(run.stderr);
  } catch {
    const stderr = run.stderr.trim().slice(0, 200);
    throw new SchemaValidationError(
      `hook check of ${ctx.file} exited ${run.exitCode} without a JSON result on stderr: ${stderr}`,
      [{ path: '', message: 'must be JSON' }],
      ctx.file,
    );
  }
  const parsed = safeParseWithRules(settingsCheckSchema, value);
  if (!parsed.success)
    throw new SchemaValidationError(
      `hook check of ${ctx.file} printed an invalid result: ${parsed.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      parsed.issues,
      ctx.file,
    );
  return {
    valid: parsed.data.valid,
    message: parsed.data.message ?? '',
    warnings: [...(parsed.data.warnings ?? [])],
  };
}
