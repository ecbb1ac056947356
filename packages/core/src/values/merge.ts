import type { Values } from '../ports.js';

/** True for a JSON object (a values map): not null, not an array. */
export function isValuesMap(v: unknown): v is Values {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON value; `undefined` members of maps are dropped, as JSON would. */
export function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((item) => deepCopy(item)) as T;
  if (isValuesMap(v)) {
    const out: Values = {};
    for (const [k, item] of Object.entries(v)) {
      if (item !== undefined) out[k] = deepCopy(item);
    }
    return out as T;
  }
  return v;
}

function mergeInto(dst: Values, src: Values): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    const cur = dst[k];
    if (isValuesMap(v) && isValuesMap(cur)) mergeInto(cur, v);
    else dst[k] = deepCopy(v);
  }
}

/**
 * addon-operator's deep merge (addon-operator pkg/module_manager/models/modules/values_storage.go): layers are merged left to right; maps merge recursively,
 * any other value of a later layer (scalars, `null`, arrays) replaces the earlier one. Absent layers
 * are skipped. The result is a fresh deep copy; no layer is mutated.
 */
export function deepMerge(...layers: readonly (Values | null | undefined)[]): Values {
  const out: Values = {};
  for (const layer of layers) {
    if (isValuesMap(layer)) mergeInto(out, layer);
  }
  return out;
}
