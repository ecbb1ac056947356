import type { Values } from '../ports.js';
import { applyPatchOps, type ValuesPatchOp } from './json-patch.js';

/** Orders strings by Unicode code point, i.e. by their UTF-8 bytes as Go's `sort.Strings` does. */
function byCodePoint(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i].codePointAt(0) ?? 0) - (y[i].codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Appends `added` to the accumulated patch list `stored` and compacts it (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch), addon-operator pkg/utils/values_patch.go
 * CompactPatches): only the last operation per path survives, an `add` or `remove` at P first
 * drops every stored operation on a path below `P/`, and the result is sorted by path (operations
 * of one path keep their order). Returns a new list; the inputs are not mutated.
 */
export function compactPatches(
  stored: readonly ValuesPatchOp[],
  added: readonly ValuesPatchOp[],
): ValuesPatchOp[] {
  const byPath = new Map<string, ValuesPatchOp[]>();
  for (const op of stored) {
    const list = byPath.get(op.path);
    if (list) list.push(op);
    else byPath.set(op.path, [op]);
  }
  for (const op of added) {
    if (op.op === 'add' || op.op === 'remove') {
      const prefix = `${op.path}/`;
      for (const path of [...byPath.keys()]) {
        if (path.startsWith(prefix)) byPath.delete(path);
      }
    }
    byPath.set(op.path, [op]);
  }
  return [...byPath.keys()].sort(byCodePoint).flatMap((path) => byPath.get(path) ?? []);
}

/**
 * Re-applies an accumulated patch list to `doc` (the values document with its root key), as on
 * every values recomputation: a `remove` of a missing path is skipped; any other failure throws
 * `ValuesPatchError`. Returns a new document; `doc` is not mutated.
 */
export function applyStoredPatches(doc: Values, ops: readonly ValuesPatchOp[]): Values {
  return applyPatchOps(doc, ops, 'lenient');
}
