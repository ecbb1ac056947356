import { ValuesPatchError } from '@converge/protocol';
import type { Operation } from 'fast-json-patch';
import fastJsonPatch from 'fast-json-patch';
import type { Values } from '../ports.js';
import { deepCopy, isValuesMap } from './merge.js';

/**
 * One operation of a hook's values patch as addon-operator keeps it: only `op`, `path` and `value`
 * (addon-operator pkg/utils/values_patch.go); any other field, `from` included, is dropped on reading.
 */
export interface ValuesPatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/** How stored patches are re-applied: `strict` fails on any error, `lenient` skips removes of missing paths. */
export type PatchApplyMode = 'strict' | 'lenient';

/** The operation as JSON, for error messages: `{"op":"add","path":"/a","value":1}`. */
export function describeOp(op: ValuesPatchOp): string {
  return JSON.stringify(op.value === undefined ? { op: op.op, path: op.path } : op);
}

/**
 * Normalises raw operations (as parsed from a patch file or recorded in an event) to
 * `{op, path, value}` and drops every other field. Throws `ValuesPatchError` ("bad json-patch data")
 * when an item is not an object with string `op` and `path`.
 */
export function normalizePatchOps(ops: readonly unknown[]): ValuesPatchOp[] {
  return ops.map((raw, i) => {
    if (!isValuesMap(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new ValuesPatchError(
        `bad json-patch data: operation #${i + 1} must be an object with string 'op' and 'path': ${JSON.stringify(raw)}`,
        isValuesMap(raw) && typeof raw.path === 'string' ? raw.path : undefined,
      );
    }
    const op: ValuesPatchOp = { op: raw.op, path: raw.path };
    if (raw.value !== undefined) op.value = raw.value;
    return op;
  });
}

/** The first segment of a JSON pointer, unescaped as addon-operator compares it (raw), or undefined for `""`. */
export function rootSegment(path: string): string | undefined {
  const parts = path.split('/');
  return parts.length > 1 ? parts[1] : undefined;
}

function reason(op: ValuesPatchOp, e: unknown): string {
  const name = e instanceof fastJsonPatch.JsonPatchError ? e.name : '';
  switch (name) {
    case 'OPERATION_PATH_UNRESOLVABLE':
      return op.op === 'remove' ? 'path does not exist' : 'parent path does not exist';
    case 'OPERATION_PATH_CANNOT_ADD':
      return 'parent path does not exist';
    case 'OPERATION_VALUE_OUT_OF_BOUNDS':
      return 'array index out of bounds';
    case 'TEST_OPERATION_FAILED':
      return 'test failed: the value at the path differs';
    case 'OPERATION_FROM_REQUIRED':
      return `'${op.op}' needs 'from', which is not supported: addon-operator keeps only op, path and value of an operation`;
    case 'OPERATION_VALUE_REQUIRED':
      return `'${op.op}' needs a value`;
    case 'OPERATION_OP_INVALID':
      return `unknown operation '${op.op}'`;
    case 'OPERATION_PATH_INVALID':
      return 'path must be a JSON pointer starting with "/"';
    default:
      return (e instanceof Error ? e.message : String(e)).split('\n')[0];
  }
}

function isMissingPath(e: unknown): boolean {
  return e instanceof fastJsonPatch.JsonPatchError && e.name === 'OPERATION_PATH_UNRESOLVABLE';
}

/**
 * Applies `ops` in order to a deep copy of `doc` (RFC 6902 via fast-json-patch, values copied in).
 * `strict` fails with `ValuesPatchError` on the first operation that does not apply (a remove of a
 * missing path included); `lenient` skips removes of missing paths. The input is never mutated.
 */
export function applyPatchOps(doc: Values, ops: readonly ValuesPatchOp[], mode: PatchApplyMode): Values {
  let out: unknown = deepCopy(doc);
  for (const op of ops) {
    const operation = { op: op.op, path: op.path, value: deepCopy(op.value) } as Operation;
    if (op.value === undefined) delete (operation as { value?: unknown }).value;
    try {
      out = fastJsonPatch.applyOperation(out, operation, true, true).newDocument;
    } catch (e) {
      if (mode === 'lenient' && op.op === 'remove' && isMissingPath(e)) continue;
      throw new ValuesPatchError(
        `cannot apply patch operation ${describeOp(op)}: ${reason(op, e)}`,
        op.path,
        {
          cause: e,
        },
      );
    }
  }
  if (!isValuesMap(out)) {
    throw new ValuesPatchError(
      `patch turned the values document into a non-object: ${JSON.stringify(out)}`,
      '',
    );
  }
  return out;
}
