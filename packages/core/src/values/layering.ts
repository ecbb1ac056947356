import type { Values } from '../ports.js';
import type { ValuesPatchOp } from './json-patch.js';
import { deepCopy, deepMerge, isValuesMap } from './merge.js';
import { GLOBAL_VALUES_KEY } from './naming.js';
import { applyStoredPatches } from './patch-compaction.js';

/** Applies a schema's `default:`s to a copy of values and returns it (injected: OpenAPI lives outside core). */
export type DefaultsFn = (values: Values) => Values;

export interface ValuesLayers {
  /** Values key: the module's camelCase key, or `global`. */
  key: string;
  /** Static values section (values.yaml layers, addon-operator pkg/module_manager/models/modules/values_storage.go item 1), without the key. */
  staticValues?: Values;
  /** Raw user config section (ConfigMap), without the key. */
  configValues?: Values;
  /** Defaults of the config-values schema. */
  configDefaults?: DefaultsFn;
  /** Defaults of the values schema. */
  valuesDefaults?: DefaultsFn;
  /** The accumulated (compacted) patch list of the module's or global hooks. */
  patches?: readonly ValuesPatchOp[];
}

/**
 * A module's (or global) effective values, without the key, exactly as addon-operator pkg/module_manager/models/modules/values_storage.go layers them:
 * static, then config-schema defaults of that, then config values, then values-schema defaults of
 * that, each deep-merged (maps merge, arrays and scalars replace); finally the accumulated patches
 * re-applied to `{<key>: merged}`, skipping removes of missing paths. Defaults functions get copies;
 * no input is mutated. Throws `ValuesPatchError` when a stored patch no longer applies.
 */
export function computeValues(layers: ValuesLayers): Values {
  let merged = deepMerge(layers.staticValues);
  if (layers.configDefaults) merged = deepMerge(merged, layers.configDefaults(deepCopy(merged)));
  merged = deepMerge(merged, layers.configValues);
  if (layers.valuesDefaults) merged = deepMerge(merged, layers.valuesDefaults(deepCopy(merged)));
  const patches = layers.patches ?? [];
  if (patches.length === 0) return merged;
  const section = applyStoredPatches({ [layers.key]: merged }, patches)[layers.key];
  return isValuesMap(section) ? section : {};
}

/** `computeValues` for the global pseudo-module (key `global`). */
export function computeGlobalValues(layers: Omit<ValuesLayers, 'key'>): Values {
  return computeValues({ ...layers, key: GLOBAL_VALUES_KEY });
}

/**
 * The document a hook reads from `VALUES_PATH` or `CONFIG_VALUES_PATH` (addon-operator pkg/module_manager/models/modules/basic.go (executeHook)):
 * `{"global": …}` for a global hook, plus `{"<moduleKey>": …}` for a module hook. Copies its inputs.
 */
export function hookValuesDocument(global: Values, module?: { key: string; values: Values }): Values {
  const doc: Values = { [GLOBAL_VALUES_KEY]: deepCopy(global) };
  if (module) doc[module.key] = deepCopy(module.values);
  return doc;
}
