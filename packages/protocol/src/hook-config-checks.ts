import { CrontabError, parseCrontab } from './crontab.js';
import type { EffectiveHookConfig, HookConfigContext } from './hook-config-effective.js';
import type { LabelSelector } from './kube.js';
import { joinIssuePath, type SchemaIssue } from './schema-issues.js';

/**
 * Cross-field rules that a schema cannot express (shell-operator pkg/hook/config/config_v1.go (CheckIncludeSnapshots), shell-operator pkg/hook/config/config_v1.go (kubernetes), shell-operator pkg/schedule_manager/), run on an effective
 * config before group expansion. Shared by shell configs and module-sdk batch configs; each
 * issue's path points into the document the user wrote.
 */

/** Where each binding list of the effective config came from in the source document. */
export interface SourcePaths {
  /** Path prefix of the hook's config inside the document (`''`, or `hooks[0]` for a batch hook). */
  base: string;
  /** Key of the kubernetes list: `kubernetes`, or `onKubernetesEvent` for v0. */
  kubernetesKey: string;
}

const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function labelKeyProblem(key: string): string | undefined {
  const slash = key.split('/');
  if (slash.length > 2) return `label key ${JSON.stringify(key)} may contain at most one "/"`;
  const name = slash.length === 2 ? slash[1] : slash[0];
  if (slash.length === 2) {
    const prefix = slash[0];
    if (prefix === '' || prefix.length > 253 || !dnsSubdomain.test(prefix))
      return `label key prefix ${JSON.stringify(prefix)} must be a DNS subdomain`;
  }
  if (name === '' || name.length > 63 || !qualifiedNamePart.test(name))
    return `label key ${JSON.stringify(key)} must be 1-63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !labelValue.test(value))
    return `label value ${JSON.stringify(value)} must be at most 63 alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  return undefined;
}

/** The Kubernetes label selector parser's rules: valid keys and values, `In`/`NotIn` need values. */
export function checkLabelSelector(
  selector: LabelSelector | undefined,
  path: string,
  issues: SchemaIssue[],
): void {
  if (!selector) return;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const problem = labelKeyProblem(key) ?? labelValueProblem(value);
    if (problem) issues.push({ path: joinIssuePath(path, 'matchLabels', key), message: problem });
  }
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const at = joinIssuePath(path, 'matchExpressions', i);
    const keyProblem = labelKeyProblem(expr.key);
    if (keyProblem) issues.push({ path: joinIssuePath(at, 'key'), message: keyProblem });
    const values = expr.values ?? [];
    if ((expr.operator === 'In' || expr.operator === 'NotIn') && values.length === 0)
      issues.push({
        path: joinIssuePath(at, 'values'),
        message: `must not be empty for operator ${expr.operator}`,
      });
    if ((expr.operator === 'Exists' || expr.operator === 'DoesNotExist') && values.length > 0)
      issues.push({
        path: joinIssuePath(at, 'values'),
        message: `must be empty for operator ${expr.operator}`,
      });
    values.forEach((v, j) => {
      const problem = labelValueProblem(v);
      if (problem) issues.push({ path: joinIssuePath(at, 'values', j), message: problem });
    });
  });
}

/** `group/version` or `version`, as Kubernetes parses a GroupVersion. */
export function apiVersionProblem(apiVersion: string): string | undefined {
  if (apiVersion.split('/').length > 2)
    return `must be "group/version" or "version" (got ${JSON.stringify(apiVersion)})`;
  return undefined;
}

function checkIncludes(includes: string[], kubeNames: string[], path: string, issues: SchemaIssue[]): void {
  includes.forEach((name, i) => {
    const count = kubeNames.filter((n) => n === name).length;
    if (count === 0)
      issues.push({ path: joinIssuePath(path, i), message: `'${name}' binding name not found` });
    else if (count > 1)
      issues.push({ path: joinIssuePath(path, i), message: `there are ${count} '${name}' binding names` });
  });
}

const fqdnWithThreeSegments = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?){2,}$/;

/**
 * Runs every cross-field rule on `config` (explicit `includeSnapshotsFrom` lists, crontabs,
 * apiVersion, selectors, jq filters, validating webhook names and timeouts) and returns the issues.
 */
export function crossFieldIssues(
  config: EffectiveHookConfig,
  paths: SourcePaths,
  ctx: Pick<HookConfigContext, 'checkJqFilter'>,
): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const kubeNames = config.kubernetes.map((k) => k.name);
  const at = (...keys: PropertyKey[]) => joinIssuePath(paths.base, ...keys);

  config.kubernetes.forEach((k, i) => {
    const here = (...keys: PropertyKey[]) => at(paths.kubernetesKey, i, ...keys);
    const apiProblem = apiVersionProblem(k.apiVersion);
    if (apiProblem) issues.push({ path: here('apiVersion'), message: apiProblem });
    checkLabelSelector(
      k.labelSelector,
      here(paths.kubernetesKey === 'kubernetes' ? 'labelSelector' : 'selector'),
      issues,
    );
    checkLabelSelector(k.namespace?.labelSelector, here('namespace', 'labelSelector'), issues);
    const byName = (k.nameSelector?.matchNames.length ?? 0) > 0;
    const byField = k.fieldSelector?.matchExpressions.some((e) => e.field === 'metadata.name') ?? false;
    if (byName && byField)
      issues.push({
        path: here('nameSelector'),
        message: 'nameSelector.matchNames and a fieldSelector on metadata.name are mutually exclusive',
      });
    if (k.jqFilter !== '' && ctx.checkJqFilter) {
      const problem = ctx.checkJqFilter(k.jqFilter);
      if (problem) issues.push({ path: here('jqFilter'), message: `does not compile: ${problem}` });
    }
    checkIncludes(k.includeSnapshotsFrom, kubeNames, here('includeSnapshotsFrom'), issues);
  });

  config.schedule.forEach((s, i) => {
    try {
      parseCrontab(s.crontab, { timeZone: 'UTC' });
    } catch (e) {
      if (!(e instanceof CrontabError)) throw e;
      issues.push({ path: at('schedule', i, 'crontab'), message: e.message });
    }
    checkIncludes(s.includeSnapshotsFrom, kubeNames, at('schedule', i, 'includeSnapshotsFrom'), issues);
  });

  const seenValidating = new Set<string>();
  config.kubernetesValidating.forEach((w, i) => {
    if (!fqdnWithThreeSegments.test(w.name))
      issues.push({
        path: at('kubernetesValidating', i, 'name'),
        message: `must be a fully qualified domain name of at least 3 segments (got ${JSON.stringify(w.name)})`,
      });
    if (seenValidating.has(w.name))
      issues.push({
        path: at('kubernetesValidating', i, 'name'),
        message: `duplicate webhook name ${w.name}`,
      });
    seenValidating.add(w.name);
    if (w.timeoutSeconds < 1 || w.timeoutSeconds > 30)
      issues.push({
        path: at('kubernetesValidating', i, 'timeoutSeconds'),
        message: 'must be between 1 and 30',
      });
  });
  for (const key of ['kubernetesValidating', 'kubernetesMutating'] as const) {
    config[key].forEach((w, i) => {
      checkLabelSelector(w.labelSelector, at(key, i, 'labelSelector'), issues);
      checkLabelSelector(w.namespaceLabelSelector, at(key, i, 'namespace', 'labelSelector'), issues);
      checkIncludes(w.includeSnapshotsFrom, kubeNames, at(key, i, 'includeSnapshotsFrom'), issues);
    });
  }
  config.kubernetesCustomResourceConversion.forEach((c, i) => {
    checkIncludes(
      c.includeSnapshotsFrom,
      kubeNames,
      at('kubernetesCustomResourceConversion', i, 'includeSnapshotsFrom'),
      issues,
    );
  });
  return issues;
}

/** Appends the elements of `extra` not yet in `own`, keeping `own` first and in order (shell-operator pkg/hook/config/config_v1.go (CheckIncludeSnapshots)). */
export function mergeNames(own: readonly string[], extra: readonly string[]): string[] {
  const out = [...own];
  for (const name of extra) if (!out.includes(name)) out.push(name);
  return out;
}

/**
 * Group expansion: every binding with `group: G` gets the names of the kubernetes bindings of G
 * (config order) merged after its own `includeSnapshotsFrom`. Returns a new config.
 */
export function expandGroups(config: EffectiveHookConfig): EffectiveHookConfig {
  const groupMembers = new Map<string, string[]>();
  for (const k of config.kubernetes) {
    if (k.group === '') continue;
    groupMembers.set(k.group, [...(groupMembers.get(k.group) ?? []), k.name]);
  }
  const expand = <T extends { group: string; includeSnapshotsFrom: string[] }>(b: T): T =>
    b.group === ''
      ? b
      : { ...b, includeSnapshotsFrom: mergeNames(b.includeSnapshotsFrom, groupMembers.get(b.group) ?? []) };
  return {
    ...config,
    kubernetes: config.kubernetes.map(expand),
    schedule: config.schedule.map(expand),
    kubernetesValidating: config.kubernetesValidating.map(expand),
    kubernetesMutating: config.kubernetesMutating.map(expand),
    kubernetesCustomResourceConversion: config.kubernetesCustomResourceConversion.map(expand),
  };
}
