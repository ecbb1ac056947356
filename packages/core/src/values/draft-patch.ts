import type { JsonPatchOperation } from '@converge/protocol';
import { enablePatches, Immer, type Patch } from 'immer';
import type { Values } from '../ports.js';

enablePatches();
// No auto-freeze: the new document shares untouched subtrees with the input, which stays as it was.
const immer = new Immer({ autoFreeze: false });

const pointerToken = (key: string | number) => String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/** An immer patch as an RFC 6902 operation: its path array becomes an RFC 6901 pointer. */
export function jsonPatchOfImmer(patch: Patch): JsonPatchOperation {
  const path = patch.path.map((key) => `/${pointerToken(key)}`).join('');
  if (patch.op === 'remove') return { op: 'remove', path };
  // A property set to undefined is written as JSON null (undefined has no JSON form).
  return { op: patch.op, path, value: JSON.parse(JSON.stringify(patch.value ?? null)) };
}

/**
 * Edits a copy of `values` as an immer draft and returns the new document with the RFC 6902
 * operations that turn `values` into it, in the order immer records them; `values` is not changed.
 * An edit that changes nothing yields no operations. Untouched subtrees are shared with `values`.
 */
export function draftValuesPatch(
  values: Values,
  recipe: (draft: Values) => void,
): { values: Values; patch: JsonPatchOperation[] } {
  const [next, patches] = immer.produceWithPatches(values, (draft: Values) => {
    recipe(draft);
  });
  return { values: next, patch: patches.map(jsonPatchOfImmer) };
}
