import { GoDurationError, parseGoDuration } from './crontab.js';
import { HookConfigError } from './errors.js';
import type { LifecycleBinding } from './events.js';
import { crossFieldIssues, expandGroups } from './hook-config-checks.js';
import type {
  EffectiveHookConfig,
  EffectiveKubernetesBinding,
  EffectiveSettings,
  EffectiveWebhookBinding,
  HookConfigContext,
  UnusedBindingKey,
} from './hook-config-effective.js';
import {
  type HookConfigV0Input,
  type HookConfigV1Input,
  hookConfigSchema,
  type KubernetesBindingV1Input,
  type WebhookBindingV1Input,
} from './hook-config-schema.js';
import type { WatchEventType } from './kube.js';
import { formatIssueLines, type SchemaIssue, safeParseWithRules } from './schema-issues.js';

/**
 * `parseHookConfig` turns a hook's parsed `--config` output into its effective configuration, the
 * way shell-operator and addon-operator load it (shell-operator pkg/hook/config/config.go–shell-operator pkg/schedule_manager/): version detection, schema check
 * (all issues at once), cross-field checks, defaults, group expansion.
 */

const allEvents: WatchEventType[] = ['Added', 'Modified', 'Deleted'];
const lifecycleKeys = [
  'beforeAll',
  'afterAll',
  'beforeHelm',
  'afterHelm',
  'beforeDeleteHelm',
  'afterDeleteHelm',
] as const satisfies readonly LifecycleBinding[];

/**
 * The `HookConfigError` for a list of issues: the message names the hook kind, hook and file,
 * then every `path: rule`; `field` is the first issue's path.
 */
export function hookConfigError(
  ctx: Pick<HookConfigContext, 'file' | 'hook' | 'kind'>,
  issues: SchemaIssue[],
) {
  const lines = formatIssueLines(issues);
  return new HookConfigError(
    `invalid config of ${ctx.kind} hook ${ctx.hook} (file ${ctx.file}): ${lines.join('; ')}`,
    ctx.file,
    ctx.hook,
    issues[0]?.path ?? '',
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'string'
    ? `string ${JSON.stringify(value)}`
    : `${typeof value} ${JSON.stringify(value)}`;
}

/** Reads `configVersion` as shell-operator does: absent means v0, anything but a supported string fails. */
export function detectConfigVersion(
  raw: Record<string, unknown>,
): { version: 'v0' | 'v1' } | { issue: SchemaIssue } {
  if (!Object.hasOwn(raw, 'configVersion')) return { version: 'v0' };
  const v = raw.configVersion;
  if (v === null) return { issue: { path: 'configVersion', message: "missing 'configVersion' value" } };
  if (typeof v !== 'string')
    return { issue: { path: 'configVersion', message: `must be a string (got ${describe(v)})` } };
  if (v === 'v1') return { version: 'v1' };
  // An explicit "v0" goes on to the v0 schema, which does not list configVersion and rejects it.
  if (v === 'v0') return { version: 'v0' };
  return {
    issue: {
      path: 'configVersion',
      message: `'configVersion' value '${v}' is unsupported (use v1, or omit the key for the legacy v0 format)`,
    },
  };
}

/**
 * Validates a hook's config document (already parsed from YAML/JSON) and returns its effective
 * configuration. Throws `HookConfigError` naming file, hook, field path and rule; every schema
 * issue is reported at once, then every cross-field issue.
 */
export function parseHookConfig(raw: unknown, ctx: HookConfigContext): EffectiveHookConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw hookConfigError(ctx, [{ path: '', message: `must be an object (got ${describe(raw)})` }]);
  const detected = detectConfigVersion(raw as Record<string, unknown>);
  if ('issue' in detected) throw hookConfigError(ctx, [detected.issue]);

  const parsed = safeParseWithRules(hookConfigSchema(detected.version, ctx.kind), raw);
  if (!parsed.success) throw hookConfigError(ctx, parsed.issues);

  const issues: SchemaIssue[] = [];
  const config =
    detected.version === 'v1'
      ? fromV1(parsed.data as HookConfigV1Input, issues)
      : fromV0(parsed.data as HookConfigV0Input);
  issues.push(
    ...crossFieldIssues(
      config,
      { base: '', kubernetesKey: detected.version === 'v1' ? 'kubernetes' : 'onKubernetesEvent' },
      ctx,
    ),
  );
  if (issues.length > 0) throw hookConfigError(ctx, issues);
  return expandGroups(config);
}

function orders(
  input: HookConfigV0Input | HookConfigV1Input,
): Pick<EffectiveHookConfig, 'onStartup' | 'orders'> {
  const out: EffectiveHookConfig['orders'] = {};
  if (input.onStartup !== undefined) out.onStartup = input.onStartup;
  for (const key of lifecycleKeys) {
    const value = (input as Partial<Record<LifecycleBinding, number>>)[key];
    if (value !== undefined) out[key] = value;
  }
  return { ...(input.onStartup !== undefined ? { onStartup: input.onStartup } : {}), orders: out };
}

function kubernetesFromV1(k: KubernetesBindingV1Input): EffectiveKubernetesBinding {
  return {
    name: k.name || 'kubernetes',
    apiVersion: k.apiVersion ?? '',
    kind: k.kind,
    executeHookOnEvent: [...(k.executeHookOnEvent ?? k.watchEvent ?? allEvents)],
    executeHookOnSynchronization: k.executeHookOnSynchronization ?? true,
    // false only takes effect on a binding with its own queue (shell-operator pkg/hook/config/config_v1.go (kubernetes))
    waitForSynchronization: !(k.waitForSynchronization === false && !!k.queue),
    keepFullObjectsInMemory: k.keepFullObjectsInMemory ?? true,
    ...(k.nameSelector ? { nameSelector: k.nameSelector } : {}),
    ...(k.labelSelector ? { labelSelector: k.labelSelector } : {}),
    ...(k.fieldSelector ? { fieldSelector: k.fieldSelector } : {}),
    ...(k.namespace ? { namespace: k.namespace } : {}),
    jqFilter: k.jqFilter ?? '',
    allowFailure: k.allowFailure ?? false,
    includeSnapshotsFrom: [...(k.includeSnapshotsFrom ?? [])],
    queue: k.queue || 'main',
    group: k.group ?? '',
  };
}

function webhookFromV1(w: WebhookBindingV1Input): EffectiveWebhookBinding {
  return {
    name: w.name,
    group: w.group ?? '',
    includeSnapshotsFrom: [...(w.includeSnapshotsFrom ?? [])],
    rules: w.rules ?? [],
    failurePolicy: w.failurePolicy ?? 'Fail',
    sideEffects: w.sideEffects ?? 'None',
    timeoutSeconds: w.timeoutSeconds ?? 10,
    matchConditions: (w.matchConditions ?? []).map((m) => ({ name: m.name, expression: m.expression })),
    ...(w.labelSelector ? { labelSelector: w.labelSelector } : {}),
    ...(w.namespace ? { namespaceLabelSelector: w.namespace.labelSelector } : {}),
  };
}

function settingsFromV1(
  s: NonNullable<HookConfigV1Input['settings']>,
  issues: SchemaIssue[],
): EffectiveSettings {
  let executionMinIntervalMs = 0;
  if (s.executionMinInterval === undefined) {
    issues.push({ path: 'settings.executionMinInterval', message: 'is required when settings is present' });
  } else {
    try {
      executionMinIntervalMs = parseGoDuration(s.executionMinInterval);
    } catch (e) {
      if (!(e instanceof GoDurationError)) throw e;
      issues.push({
        path: 'settings.executionMinInterval',
        message: `must be a Go duration such as 30s or 1m30s (${e.message})`,
      });
    }
  }
  if (s.executionBurst === undefined)
    issues.push({ path: 'settings.executionBurst', message: 'is required when settings is present' });
  return { executionMinIntervalMs, executionBurst: s.executionBurst ?? 0 };
}

function fromV1(input: HookConfigV1Input, issues: SchemaIssue[]): EffectiveHookConfig {
  const unused: UnusedBindingKey[] = (
    ['kubernetesValidating', 'kubernetesMutating', 'kubernetesCustomResourceConversion'] as const
  ).filter((key) => input[key] !== undefined);
  return {
    version: 'v1',
    ...orders(input),
    kubernetes: (input.kubernetes ?? []).map(kubernetesFromV1),
    schedule: (input.schedule ?? []).map((s) => ({
      name: s.name || 'schedule',
      crontab: s.crontab,
      allowFailure: s.allowFailure ?? false,
      includeSnapshotsFrom: [...(s.includeSnapshotsFrom ?? [])],
      queue: s.queue || 'main',
      group: s.group ?? '',
    })),
    ...(input.settings ? { settings: settingsFromV1(input.settings, issues) } : {}),
    kubernetesValidating: (input.kubernetesValidating ?? []).map(webhookFromV1),
    kubernetesMutating: (input.kubernetesMutating ?? []).map(webhookFromV1),
    kubernetesCustomResourceConversion: (input.kubernetesCustomResourceConversion ?? []).map((c) => ({
      name: c.name,
      crdName: c.crdName,
      conversions: c.conversions.map((x) => ({ fromVersion: x.fromVersion, toVersion: x.toVersion })),
      group: c.group ?? '',
      includeSnapshotsFrom: [...(c.includeSnapshotsFrom ?? [])],
    })),
    unusedByAddonOperator: unused,
  };
}

const v0Events: Record<'add' | 'update' | 'delete', WatchEventType> = {
  add: 'Added',
  update: 'Modified',
  delete: 'Deleted',
};

/** v0: queue always `main`, no groups, no snapshots, never a Synchronization run (shell-operator pkg/hook/config/config_v0.go). */
function fromV0(input: HookConfigV0Input): EffectiveHookConfig {
  return {
    version: 'v0',
    ...orders(input),
    kubernetes: (input.onKubernetesEvent ?? []).map((k) => {
      const names = k.namespaceSelector?.any ? [] : (k.namespaceSelector?.matchNames ?? []);
      return {
        name: k.name || 'onKubernetesEvent',
        apiVersion: '',
        kind: k.kind ?? '',
        // an omitted `event` list means no event runs the hook [inferred, shell-operator pkg/hook/config/config_v0.go]
        executeHookOnEvent: (k.event ?? []).map((e) => v0Events[e]),
        executeHookOnSynchronization: false,
        waitForSynchronization: false,
        keepFullObjectsInMemory: true,
        ...(k.objectName ? { nameSelector: { matchNames: [k.objectName] } } : {}),
        ...(k.selector ? { labelSelector: k.selector } : {}),
        ...(names.length > 0 ? { namespace: { nameSelector: { matchNames: names } } } : {}),
        jqFilter: k.jqFilter ?? '',
        allowFailure: k.allowFailure ?? false,
        includeSnapshotsFrom: [],
        queue: 'main',
        group: '',
      };
    }),
    schedule: (input.schedule ?? []).map((s) => ({
      name: s.name || 'schedule',
      crontab: s.crontab ?? '',
      allowFailure: s.allowFailure ?? false,
      includeSnapshotsFrom: [],
      queue: 'main',
      group: '',
    })),
    kubernetesValidating: [],
    kubernetesMutating: [],
    kubernetesCustomResourceConversion: [],
    unusedByAddonOperator: [],
  };
}
