import type { ObjectPatchOperation } from '@converge/core';
import { jsonEqual } from '@converge/core';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { applyJsonPatch, applyMergePatch } from './merge-patch.js';
import { refOf } from './object-identity.js';
import type { ObjectPatchFailure } from './object-patch-error.js';
import { parseGoYaml } from './yaml-dialects.js';

/** A jq function for JQPatch: the filter's single output for `input`; throws on jq errors. */
export type JqPatchFunction = (filter: string, input: unknown) => unknown;

/** The object store that object-patch operations act on. */
export interface PatchableStore {
  get(ref: ObjectRef): KubeObject | undefined;
  put(object: KubeObject): KubeObject;
  remove(ref: ObjectRef): boolean;
  normalizeRef(ref: ObjectRef): ObjectRef;
}

/** The object an operation addresses: the embedded object for Create*, the named one otherwise. */
export function targetOf(op: ObjectPatchOperation): ObjectRef {
  if ('object' in op) {
    const object = parseDocument(op.object) as Partial<KubeObject> | undefined;
    const ref: ObjectRef = {
      apiVersion: String(object?.apiVersion ?? ''),
      kind: String(object?.kind ?? ''),
      name: String(object?.metadata?.name ?? ''),
    };
    if (object?.metadata?.namespace) ref.namespace = object.metadata.namespace;
    return ref;
  }
  const ref: ObjectRef = { apiVersion: op.apiVersion ?? '', kind: op.kind, name: op.name };
  if (op.namespace) ref.namespace = op.namespace;
  return ref;
}

/**
 * Applies one operation (shell-operator pkg/kube/object_patch/patch.go) to the store. Returns a failure instead of throwing, so a
 * batch can go on with its other operations as shell-operator does.
 */
export function applyObjectPatch(
  store: PatchableStore,
  op: ObjectPatchOperation,
  jq: JqPatchFunction | undefined,
): ObjectPatchFailure | undefined {
  const fail = (reason: string): ObjectPatchFailure => ({
    operation: op.operation,
    object: store.normalizeRef(targetOf(op)),
    reason,
  });
  try {
    switch (op.operation) {
      case 'Create':
      case 'CreateOrUpdate':
      case 'CreateIfNotExists': {
        const object = parseDocument(op.object);
        if (!isKubeObject(object)) return fail('object needs apiVersion, kind and metadata.name');
        const exists = store.get(targetOf(op)) !== undefined;
        if (exists && op.operation === 'Create') return fail('already exists');
        if (!exists || op.operation === 'CreateOrUpdate') store.put(object);
        return undefined;
      }
      case 'Delete':
      case 'DeleteInBackground':
      case 'DeleteNonCascading':
        store.remove(targetOf(op));
        return undefined;
      case 'MergePatch':
      case 'JSONPatch':
      case 'JQPatch': {
        const ref = targetOf(op);
        const current = store.get(ref);
        if (!current) return op.ignoreMissingObject ? undefined : fail('not found');
        let patched: unknown;
        try {
          patched = patchDocument(op, current, jq);
        } catch (error) {
          // jq's message may quote the value it failed on; a hook's failure reaches the log.
          if (op.operation === 'JQPatch' && current.kind === 'Secret' && current.apiVersion === 'v1')
            return fail("jqFilter failed; its message is withheld, as it may quote the Secret's data");
          throw error;
        }
        if (!isKubeObject(patched)) return fail('the patched document is not a Kubernetes object');
        const next = restrictToSubresource(op.subresource, current, patched);
        const identity = identityChange(store, current, next);
        if (identity) return fail(identity);
        if (!jsonEqual(next, current)) store.put(next);
        return undefined;
      }
      default:
        return fail(`unknown operation "${(op as { operation: string }).operation}"`);
    }
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function patchDocument(
  op: Extract<ObjectPatchOperation, { operation: 'MergePatch' | 'JSONPatch' | 'JQPatch' }>,
  current: KubeObject,
  jq: JqPatchFunction | undefined,
): unknown {
  if (op.operation === 'MergePatch') {
    const patch = parseDocument(op.mergePatch);
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw new Error('mergePatch must be an object');
    }
    return applyMergePatch(current, patch);
  }
  if (op.operation === 'JSONPatch') {
    const patch = parseDocument(op.jsonPatch);
    if (!Array.isArray(patch)) throw new Error('jsonPatch must be an array of RFC 6902 operations');
    return applyJsonPatch(current, patch);
  }
  if (!op.jqFilter) throw new Error('jqFilter is required');
  if (!jq) throw new Error('no jq engine: pass `jq` to InMemoryCluster to apply JQPatch operations');
  return jq(op.jqFilter, structuredClone(current));
}

/** For the status subresource only `.status` changes; other subresources are not supported. */
function restrictToSubresource(subresource: string | undefined, current: KubeObject, patched: KubeObject) {
  if (!subresource) return patched;
  if (subresource !== 'status' && subresource !== '/status') {
    throw new Error(`subresource "${subresource}" is not supported by the in-memory cluster`);
  }
  const next: KubeObject = structuredClone(current);
  if (patched.status === undefined) delete next.status;
  else next.status = structuredClone(patched.status);
  return next;
}

function identityChange(store: PatchableStore, current: KubeObject, next: KubeObject): string | undefined {
  const a = store.normalizeRef(refOf(current));
  const b = store.normalizeRef({
    apiVersion: next.apiVersion,
    kind: next.kind,
    namespace: next.metadata.namespace ?? current.metadata.namespace,
    name: next.metadata.name,
  });
  if (
    a.apiVersion !== b.apiVersion ||
    a.kind !== b.kind ||
    a.namespace !== b.namespace ||
    a.name !== b.name
  ) {
    return 'a patch may not change apiVersion, kind, namespace or name';
  }
  return undefined;
}

/** Strings are YAML or JSON manifests (shell-operator pkg/kube/object_patch/patch.go); anything else is taken as is. */
export function parseDocument(value: unknown): unknown {
  return typeof value === 'string' ? parseGoYaml(value) : value;
}

/** Whether a value has a non-empty apiVersion, kind and metadata.name. */
export function isKubeObject(value: unknown): value is KubeObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const o = value as Partial<KubeObject>;
  return (
    typeof o.apiVersion === 'string' &&
    o.apiVersion !== '' &&
    typeof o.kind === 'string' &&
    o.kind !== '' &&
    typeof o.metadata?.name === 'string' &&
    o.metadata.name !== ''
  );
}
