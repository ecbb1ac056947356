import { isJsonObject } from './json.js';

/** Snapshots as an SDK hook sees them: items (filter results or objects) by binding name. */
export type Snapshots = Record<string, unknown[]>;

/** module-sdk treats a raw `{}` (or the string `"{}"`) as "no content". */
function isEmptyRaw(value: unknown): boolean {
  return value === '{}' || (isJsonObject(value) && Object.keys(value).length === 0);
}

/**
 * Flattens binding contexts the way module-sdk's runtime does (module-sdk internal/controller/controller.go, TV-85): for every context
 * in order and every snapshot item, the item's `filterResult` when present and not `{}`, else its
 * `object` under the same rule, else nothing. Items are appended across contexts, so a binding
 * present in several contexts yields duplicates; a `null` filterResult is kept as `null`.
 * Only `snapshots` is read: `binding`, `type`, `objects` and `watchEvent` stay invisible.
 */
export function snapshotsOf(bindingContexts: readonly unknown[]): Snapshots {
  const out: Snapshots = {};
  for (const context of bindingContexts) {
    if (!isJsonObject(context) || !isJsonObject(context.snapshots)) continue;
    for (const [name, items] of Object.entries(context.snapshots)) {
      if (!Array.isArray(items)) continue;
      const list = out[name] ?? [];
      out[name] = list;
      for (const item of items) {
        if (!isJsonObject(item)) continue;
        if (item.filterResult !== undefined && !isEmptyRaw(item.filterResult)) list.push(item.filterResult);
        else if (item.object !== undefined && !isEmptyRaw(item.object)) list.push(item.object);
      }
    }
  }
  return out;
}
