import { ValuesPatchError } from '@converge/protocol';
import type { Values } from '../ports.js';
import { jsonEqual } from './checksum.js';
import {
  applyPatchOps,
  describeOp,
  normalizePatchOps,
  rootSegment,
  type ValuesPatchOp,
} from './json-patch.js';
import { isValuesMap } from './merge.js';
import { ENABLED_SUFFIX, GLOBAL_VALUES_KEY, moduleNameFromKey } from './naming.js';

/** A module's dynamic enable flag set by a global hook's `/<camelName>Enabled` operation (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch)). */
export interface DynamicEnableUpdate {
  module: string;
  enabled: boolean;
}

/**
 * Schema check of a patched section, injected by the caller (OpenAPI lives outside core). Returns
 * an error message, or undefined when the section is valid; a thrown error counts as a message too.
 */
export type ValuesValidator = (section: Values) => string | undefined;

/**
 * Checks every operation against the patch rules of a scope (addon-operator pkg/utils/values_patch.go, addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch)), in order:
 * `replace` is rejected; the first path segment must be `scope` (the module's values key, or
 * `global`), and a global hook may also touch any `*Enabled` key. A path without a segment (`""`)
 * passes, as in addon-operator. Throws `ValuesPatchError` naming the operation and path.
 */
export function checkPatchScope(ops: readonly ValuesPatchOp[], scope: string): void {
  const isGlobal = scope === GLOBAL_VALUES_KEY;
  for (const op of ops) {
    if (op.op === 'replace') {
      throw new ValuesPatchError(`unsupported patch operation 'replace': '${describeOp(op)}'`, op.path);
    }
    const root = rootSegment(op.path);
    if (root === undefined || root === scope) continue;
    if (isGlobal && root.endsWith(ENABLED_SUFFIX)) continue;
    const permitted = isGlobal
      ? `only '${GLOBAL_VALUES_KEY}' and '*${ENABLED_SUFFIX}' are permitted`
      : `only '${scope}' accepted`;
    throw new ValuesPatchError(
      `unacceptable patch operation for path '${root}' (${permitted}): '${describeOp(op)}'`,
      op.path,
    );
  }
}

function enabledValue(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return undefined;
}

/**
 * Splits a global hook's operations into those on the `global` section and the dynamic-enable
 * updates carried by `/<camelName>Enabled` operations (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch)). An `add` sets the flag of module
 * `kebab(camelName)` from a boolean or a "true"/"false" string; other operations with a valid
 * value are ignored, as addon-operator's extender ignores them. Quirk Q23, kept: the value of every
 * `*Enabled` operation is parsed first and a `remove` has none, so a `remove` fails the hook with
 * "unsupported module enabled value"; hooks un-set a flag by adding an explicit value.
 */
export function splitEnabledOps(ops: readonly ValuesPatchOp[]): {
  globalOps: ValuesPatchOp[];
  enabled: DynamicEnableUpdate[];
} {
  const globalOps: ValuesPatchOp[] = [];
  const enabled: DynamicEnableUpdate[] = [];
  for (const op of ops) {
    const root = rootSegment(op.path);
    if (root === GLOBAL_VALUES_KEY) {
      globalOps.push(op);
      continue;
    }
    if (root === undefined || !root.endsWith(ENABLED_SUFFIX)) continue;
    const value = enabledValue(op.value);
    if (value === undefined) {
      const shown = op.value === undefined ? '<nil>' : JSON.stringify(op.value);
      throw new ValuesPatchError(
        `apply enabled patch operation '${op.op}' for ${op.path}: unsupported module enabled value: ${shown}`,
        op.path,
      );
    }
    if (op.op !== 'add') continue;
    const module = moduleNameFromKey(root.slice(0, -ENABLED_SUFFIX.length));
    enabled.push({ module, enabled: value });
  }
  return { globalOps, enabled };
}

export interface HookPatchInput {
  /** Values key of the hook's owner: `global`, or the module's camelCase key. */
  scope: string;
  /** `values` for `VALUES_JSON_PATCH_PATH`, `config` for `CONFIG_VALUES_JSON_PATCH_PATH`. */
  kind: 'values' | 'config';
  /** The section the patch applies to, without the key: effective values, or config values. */
  current: Values;
  /** The hook's operations, raw (any field besides op, path and value is dropped). */
  ops: readonly unknown[];
  /** Schema check of the patched section, run only when the patch changed it. */
  validate?: ValuesValidator;
}

export interface HookPatchResult {
  /** The patched section (a fresh copy), or a copy of `current` when nothing applied. */
  values: Values;
  /** Whether the section's canonical JSON changed. */
  changed: boolean;
  /** The operations applied to the section: store them (values) when `changed`. */
  ops: ValuesPatchOp[];
  /** Dynamic-enable updates (global scope only), in operation order. */
  enabled: DynamicEnableUpdate[];
}

function runValidator(validate: ValuesValidator, section: Values): string | undefined {
  try {
    return validate(section);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Applies one hook's values or config values patch the way addon-operator does (addon-operator pkg/module_manager/models/modules/basic.go (handleModuleValuesPatch), addon-operator pkg/utils/values_patch.go):
 * scope rules, then a strict apply to `{<scope>: current}` (a remove of a missing path or an add
 * under a missing parent fails; `move`/`copy` fail because `from` is dropped), then, if the section
 * changed, the injected schema check ("cannot apply values patch for module values"). A global
 * patch applies only its `/global` operations and returns the `*Enabled` ones as dynamic-enable
 * updates. Every failure is a `ValuesPatchError` and fails the hook; inputs are never mutated.
 */
export function applyHookPatch(input: HookPatchInput): HookPatchResult {
  const { scope, kind, current } = input;
  const all = normalizePatchOps(input.ops);
  checkPatchScope(all, scope);
  const isGlobal = scope === GLOBAL_VALUES_KEY;
  const globalOps = isGlobal ? all.filter((op) => rootSegment(op.path) === GLOBAL_VALUES_KEY) : all;
  const doc = applyPatchOps({ [scope]: current }, globalOps, 'strict');
  const section = doc[scope];
  if (!isValuesMap(section)) {
    throw new ValuesPatchError(
      `patch left ${isGlobal ? 'global' : `module '${scope}'`} ${kind === 'config' ? 'config values' : 'values'} ` +
        `that are not an object: ${JSON.stringify(section ?? null)}`,
      `/${scope}`,
    );
  }
  const changed = !jsonEqual(current, section);
  if (changed && input.validate) {
    const error = runValidator(input.validate, section);
    if (error !== undefined) {
      const what = kind === 'config' ? 'config values patch' : 'values patch';
      throw new ValuesPatchError(
        `cannot apply ${what} for ${isGlobal ? 'global' : 'module'} values: ${error}`,
        `/${scope}`,
      );
    }
  }
  // Enabled flags are read after the section, as addon-operator does (its Q23 error comes last).
  const enabled = isGlobal ? splitEnabledOps(all).enabled : [];
  return { values: section, changed, ops: globalOps, enabled };
}
