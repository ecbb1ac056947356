import type { HookDefinition, HookWatch } from '@converge/core';
import type {
  EffectiveHookConfig,
  EffectiveKubernetesBinding,
  KubeObject,
  ResourceSelector,
} from '@converge/protocol';

/** The selector a kubernetes binding watches (shell-operator pkg/hook/config/config_v1.go (kubernetes)). */
export function selectorOf(b: EffectiveKubernetesBinding): ResourceSelector {
  return {
    ...(b.apiVersion ? { apiVersion: b.apiVersion } : {}),
    kind: b.kind,
    ...(b.namespace?.nameSelector?.matchNames?.length
      ? { namespaces: b.namespace.nameSelector.matchNames }
      : {}),
    ...(b.namespace?.labelSelector ? { namespaceLabelSelector: b.namespace.labelSelector } : {}),
    ...(b.nameSelector?.matchNames?.length ? { names: b.nameSelector.matchNames } : {}),
    ...(b.labelSelector ? { labelSelector: b.labelSelector } : {}),
    ...(b.fieldSelector ? { fieldSelector: b.fieldSelector } : {}),
  };
}

/**
 * Turns a validated hook config into the engine's HookDefinition. `filters` gives in-code
 * filter functions by binding name (TypeScript hooks); otherwise `jqFilter` is used.
 */
export function hookDefinitionFromConfig(
  name: string,
  config: EffectiveHookConfig,
  filters: Record<string, (o: KubeObject) => unknown> = {},
): HookDefinition {
  const watches: HookWatch[] = config.kubernetes.map((b) => ({
    name: b.name,
    selector: selectorOf(b),
    executeHookOnEvent: b.executeHookOnEvent,
    keepFullObjectsInMemory: b.keepFullObjectsInMemory,
    includeSnapshotsFrom: b.includeSnapshotsFrom,
    ...(b.jqFilter ? { jqFilter: b.jqFilter } : {}),
    ...(filters[b.name] ? { filter: filters[b.name] } : {}),
  }));
  return {
    name,
    configVersion: config.version,
    orders: { ...config.orders },
    kubernetes: config.kubernetes.map((b) => ({
      name: b.name,
      queue: b.queue,
      ...(b.group ? { group: b.group } : {}),
      executeHookOnSynchronization: b.executeHookOnSynchronization,
      waitForSynchronization: b.waitForSynchronization,
      allowFailure: b.allowFailure,
    })),
    schedule: config.schedule.map((s) => ({
      name: s.name,
      crontab: s.crontab,
      queue: s.queue,
      ...(s.group ? { group: s.group } : {}),
      allowFailure: s.allowFailure,
      ...(s.includeSnapshotsFrom.length ? { includeSnapshotsFrom: s.includeSnapshotsFrom } : {}),
    })),
    watches,
    ...(config.settings ? { settings: { ...config.settings } } : {}),
  };
}
