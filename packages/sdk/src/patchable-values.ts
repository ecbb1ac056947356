import { draftValuesPatch, type Values } from '@converge/core';
import type { JsonPatchOperation } from '@converge/protocol';
import { cloneJson } from './json.js';
import { lookupPath, pointerOf } from './values-path.js';

/**
 * Values a hook reads and patches, as module-sdk's PatchableValues (module-sdk pkg/, TV-86). Reads see
 * the input document only — never what `set`/`remove` queued in the same run — and `patch()`
 * returns the queued RFC 6902 operations in call order.
 */
export class PatchableValues {
  private readonly input: Values;
  private readonly ops: JsonPatchOperation[] = [];

  constructor(values: Values) {
    this.input = cloneJson(values ?? {});
  }

  /** The value at a gjson-style dotted path of the input, or undefined when it does not exist. */
  get(path: string): unknown {
    return cloneJson(lookupPath(this.input, path).value);
  }

  /** The value at `path` and whether it exists (a JSON `null` exists). */
  getOk(path: string): { value: unknown; ok: boolean } {
    const found = lookupPath(this.input, path);
    return { value: cloneJson(found.value), ok: found.exists };
  }

  /** Whether `path` exists in the input. */
  exists(path: string): boolean {
    return lookupPath(this.input, path).exists;
  }

  /** The length of the array at `path`; 0 when it is missing or not an array. */
  arrayCount(path: string): number {
    const value = lookupPath(this.input, path).value;
    return Array.isArray(value) ? value.length : 0;
  }

  /** The first of `paths` that exists in the input, or undefined. */
  firstDefined(...paths: string[]): unknown {
    for (const path of paths) {
      const found = lookupPath(this.input, path);
      if (found.exists) return cloneJson(found.value);
    }
    return undefined;
  }

  /** Queues `{op:"add"}` at the pointer of `path` (dots become slashes); the value is copied now,
   * undefined is written as `null`. */
  set(path: string, value: unknown): void {
    this.ops.push({ op: 'add', path: pointerOf(path), value: value === undefined ? null : cloneJson(value) });
  }

  /** Queues `{op:"remove"}`, but only when `path` exists in the input; otherwise does nothing. */
  remove(path: string): void {
    if (lookupPath(this.input, path).exists) this.ops.push({ op: 'remove', path: pointerOf(path) });
  }

  /**
   * Edits a draft of the input (immer) and queues the RFC 6902 operations that the edit amounts
   * to, after those queued so far: `edit((v) => { v.replicas = 3; v.tls.enabled = true; })`. Like
   * the other methods it starts from the input, never from what was queued before; an edit that
   * changes nothing queues nothing.
   */
  edit(recipe: (draft: Values) => void): void {
    this.ops.push(...draftValuesPatch(this.input, recipe).patch);
  }

  /** The queued operations in call order (a copy). */
  patch(): JsonPatchOperation[] {
    return cloneJson(this.ops);
  }
}
