import type { ObjectPatchOperation } from '@converge/core';
import type { KubeObject } from '@converge/protocol';
import { cloneJson } from './json.js';
import { toNdjsonLines } from './ndjson.js';

/** An object operation as the SDK emits it: the engine's shape plus module-sdk's `ignoreHookError`. */
export type SdkObjectPatchOperation = ObjectPatchOperation & { ignoreHookError?: boolean };

/** Options of MergePatch, JSONPatch and JQPatch (module-sdk's `With…` options). */
export interface PatchOptions {
  /** Patch this subresource (e.g. `/status`) instead of the object. */
  subresource?: string;
  /** Do not fail when the object does not exist (emitted as `ignoreMissingObject`, module-sdk internal/controller/controller.go). */
  ignoreMissingObject?: boolean;
  /** Ask the engine to ignore a failure of this operation. */
  ignoreHookError?: boolean;
}

type CreateKind = 'Create' | 'CreateOrUpdate' | 'CreateIfNotExists';
type DeleteKind = 'Delete' | 'DeleteInBackground' | 'DeleteNonCascading';
type PatchKind = 'MergePatch' | 'JSONPatch' | 'JQPatch';

/**
 * Collects Kubernetes object operations as module-sdk's PatchCollector does (module-sdk internal/controller/controller.go, TV-88).
 * Objects and patches are copied when collected; `operations()` returns them in call order.
 */
export class PatchCollector {
  private readonly ops: SdkObjectPatchOperation[] = [];

  /** Creates `object`; the engine fails the operation if it already exists. */
  create(object: KubeObject): void {
    this.pushCreate('Create', object);
  }

  /** Creates `object` or replaces the existing one. */
  createOrUpdate(object: KubeObject): void {
    this.pushCreate('CreateOrUpdate', object);
  }

  /** Creates `object` unless it exists. */
  createIfNotExists(object: KubeObject): void {
    this.pushCreate('CreateIfNotExists', object);
  }

  /** Deletes the object (foreground); `namespace` is `""` for cluster-scoped objects. */
  delete(apiVersion: string, kind: string, namespace: string, name: string): void {
    this.pushDelete('Delete', apiVersion, kind, namespace, name);
  }

  /** Deletes the object with background propagation. */
  deleteInBackground(apiVersion: string, kind: string, namespace: string, name: string): void {
    this.pushDelete('DeleteInBackground', apiVersion, kind, namespace, name);
  }

  /** Deletes the object, orphaning its dependents. */
  deleteNonCascading(apiVersion: string, kind: string, namespace: string, name: string): void {
    this.pushDelete('DeleteNonCascading', apiVersion, kind, namespace, name);
  }

  /** RFC 7386 merge patch of the object (module-sdk `PatchWithMerge`). */
  mergePatch(
    patch: Record<string, unknown>,
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options?: PatchOptions,
  ): void {
    this.pushPatch(
      'MergePatch',
      { mergePatch: cloneJson(patch) },
      apiVersion,
      kind,
      namespace,
      name,
      options,
    );
  }

  /** RFC 6902 JSON patch of the object (module-sdk `PatchWithJSON`). */
  jsonPatch(
    patch: readonly unknown[],
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options?: PatchOptions,
  ): void {
    this.pushPatch('JSONPatch', { jsonPatch: cloneJson(patch) }, apiVersion, kind, namespace, name, options);
  }

  /** Replaces the object by the output of the jq `filter` (module-sdk `PatchWithJQ`). */
  jqPatch(
    filter: string,
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options?: PatchOptions,
  ): void {
    this.pushPatch('JQPatch', { jqFilter: filter }, apiVersion, kind, namespace, name, options);
  }

  /** The collected operations in call order (copies). */
  operations(): SdkObjectPatchOperation[] {
    return cloneJson(this.ops);
  }

  /** `$KUBERNETES_PATCH_PATH` content as module-sdk writes it: one operation object per line. */
  toNdjson(): string {
    return toNdjsonLines(this.ops);
  }

  private pushCreate(operation: CreateKind, object: KubeObject): void {
    this.ops.push({ operation, object: cloneJson(object) });
  }

  private pushDelete(
    operation: DeleteKind,
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
  ) {
    this.ops.push({ operation, apiVersion, kind, namespace, name });
  }

  private pushPatch(
    operation: PatchKind,
    body: { mergePatch?: unknown; jsonPatch?: unknown; jqFilter?: string },
    apiVersion: string,
    kind: string,
    namespace: string,
    name: string,
    options: PatchOptions | undefined,
  ): void {
    const o = options ?? {};
    // `body` holds the one field of `operation` (mergePatch, jsonPatch or jqFilter).
    this.ops.push({
      operation,
      apiVersion,
      kind,
      namespace,
      name,
      ...body,
      ...(o.subresource !== undefined ? { subresource: o.subresource } : {}),
      ...(o.ignoreMissingObject !== undefined ? { ignoreMissingObject: o.ignoreMissingObject } : {}),
      ...(o.ignoreHookError !== undefined ? { ignoreHookError: o.ignoreHookError } : {}),
    } as SdkObjectPatchOperation);
  }
}
