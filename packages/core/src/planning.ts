import type { ConfigDocument, ModuleDefinition } from './ports.js';
import { enabledKey } from './values/naming.js';

/** The extenders of addon-operator pkg/module_manager/scheduler/extenders/ that decide enablement before the `enabled` script. */
export type EnabledBy = 'Static' | 'DynamicallyEnabled' | 'KubeConfig' | 'ScriptEnabled' | '';

export interface EnablementInputs {
  /** Dynamic `<key>Enabled` flags set by global hooks, by module name. */
  dynamic: Record<string, boolean>;
  /** The config document (`<key>Enabled` flags live beside the sections). */
  config: ConfigDocument;
}

/**
 * Enablement by the non-terminator extenders in order Static → DynamicallyEnabled → KubeConfig
 * (later opinions override earlier ones, addon-operator pkg/module_manager/scheduler/extenders/). The `enabled` script runs afterwards, only
 * when this says enabled, and can only veto.
 */
export function enabledBeforeScript(
  module: ModuleDefinition,
  inputs: EnablementInputs,
): { enabled: boolean; by: EnabledBy } {
  let enabled = false;
  let by: EnabledBy = '';
  if (module.staticEnabled !== undefined) {
    enabled = module.staticEnabled;
    by = 'Static';
  }
  const dyn = inputs.dynamic[module.name];
  if (dyn !== undefined) {
    enabled = dyn;
    by = 'DynamicallyEnabled';
  }
  const flag = inputs.config[enabledKey(module.name)];
  if (typeof flag === 'boolean') {
    enabled = flag;
    by = 'KubeConfig';
  } else if (flag === 'true' || flag === 'false') {
    enabled = flag === 'true';
    by = 'KubeConfig';
  }
  return { enabled, by };
}

/** Module order for processing: ascending order, then name (addon-operator pkg/module_manager/scheduler/scheduler.go, addon-operator pkg/module_manager/models/modules/hook_storage.go (hook order)). */
export function sortModules<T extends { name: string; order: number }>(modules: readonly T[]): T[] {
  return [...modules].sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Groups enabled modules by order (addon-operator pkg/module_manager/scheduler/scheduler.go): modules of equal order form one group that runs
 * in parallel; groups run in ascending order.
 */
export function groupByOrder(modules: readonly { name: string; order: number }[]): string[][] {
  const groups: string[][] = [];
  let lastOrder: number | undefined;
  for (const m of sortModules(modules)) {
    if (m.order !== lastOrder) {
      groups.push([]);
      lastOrder = m.order;
    }
    groups[groups.length - 1].push(m.name);
  }
  return groups;
}

export interface EnablementDiff {
  toEnable: string[];
  toDisable: string[];
}

/**
 * Compares the previous enabled set with the new one. `toEnable` is in module order,
 * `toDisable` in reverse module order (addon-operator pkg/module_manager/module_manager.go (RefreshEnabledState), scenario 77).
 */
export function diffEnabled(
  modules: readonly { name: string; order: number }[],
  before: readonly string[],
  after: readonly string[],
): EnablementDiff {
  const sorted = sortModules(modules);
  const was = new Set(before);
  const is = new Set(after);
  return {
    toEnable: sorted.filter((m) => is.has(m.name) && !was.has(m.name)).map((m) => m.name),
    toDisable: sorted
      .filter((m) => was.has(m.name) && !is.has(m.name))
      .map((m) => m.name)
      .reverse(),
  };
}
