/**
 * Approximations of the two patch kinds that need Kubernetes' type schemas: strategic merge patch
 * and server-side apply. Lists of well-known fields merge by their merge key (containers by name,
 * container ports by containerPort, service ports by port, …); every other list is replaced.
 * Directives `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/…` and `$setElementOrder/…` are
 * understood. Ownership of fields (managedFields) is not modelled.
 */

type Json = unknown;
type JsonMap = Record<string, Json>;

const isMap = (v: Json): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  ports: ['containerPort', 'port'],
  hostAliases: ['ip'],
  conditions: ['type'],
  finalizers: [],
};

function mergeKeyOf(field: string, items: readonly Json[]): string | undefined {
  const keys = MERGE_KEYS[field];
  if (!keys) return undefined;
  return keys.find((k) => items.length > 0 && items.every((i) => isMap(i) && k in i));
}

/** Applies a strategic merge patch to `target`; returns a new value. */
export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === 'delete') return undefined;
  const result: JsonMap = isMap(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/')) continue;
    if (key === '$retainKeys') {
      const keep = new Set(Array.isArray(value) ? value.map(String) : []);
      for (const k of Object.keys(result)) if (!keep.has(k) && !(k in patch)) delete result[k];
      continue;
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(value) ? value : []).map((v) => JSON.stringify(v)));
      if (Array.isArray(result[field]))
        result[field] = (result[field] as Json[]).filter((v) => !drop.has(JSON.stringify(v)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    if (Array.isArray(value)) {
      result[key] = mergeList(key, result[key], value);
      continue;
    }
    const merged = applyStrategicMergePatch(result[key], value);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

function mergeList(field: string, target: Json, patch: readonly Json[]): Json[] {
  const key = mergeKeyOf(field, patch);
  if (!key || !Array.isArray(target)) {
    return patch.filter((i) => !(isMap(i) && i.$patch === 'delete')).map((i) => structuredClone(i));
  }
  const out = target.map((i) => structuredClone(i));
  for (const item of patch as JsonMap[]) {
    const at = out.findIndex((t) => isMap(t) && t[key] === item[key]);
    if (item.$patch === 'delete') {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) {
      out[at] = applyStrategicMergePatch(out[at], item);
    } else {
      out.push(applyStrategicMergePatch(undefined, item));
    }
  }
  return out;
}

/**
 * Server-side apply, approximated as a three-way merge: fields the same field manager applied
 * last time and no longer applies are removed, then the new configuration is merged in.
 */
export function applyConfiguration(live: Json, previous: Json, next: Json): Json {
  return applyStrategicMergePatch(live, withRemovals(previous, next));
}

/** `next` plus a `null` for every map key `previous` had and `next` has not. */
function withRemovals(previous: Json, next: Json): Json {
  if (!isMap(next)) return next;
  const out: JsonMap = {};
  for (const [k, v] of Object.entries(next)) out[k] = isMap(previous) ? withRemovals(previous[k], v) : v;
  if (isMap(previous)) for (const k of Object.keys(previous)) if (!(k in next)) out[k] = null;
  return out;
}
