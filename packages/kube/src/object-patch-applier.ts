import { jsonEqual, type ObjectPatchOperation } from '@converge/core';
import {
  applyJsonPatch,
  applyMergePatch,
  isKubeObject,
  type JqPatchFunction,
  ObjectIdentity,
  type ObjectPatchFailure,
  parseDocument,
  targetOf,
} from '@converge/kube-model';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { type ApiDiscovery, type ApiResource, resourcePath } from './discovery.js';
import { KubeApiError, messageOf, UnknownKindError } from './errors.js';
import type { KubeTransport } from './transport.js';

type PatchOperation = Extract<ObjectPatchOperation, { operation: 'MergePatch' | 'JSONPatch' | 'JQPatch' }>;

const PROPAGATION = { Delete: 'Foreground', DeleteInBackground: 'Background', DeleteNonCascading: 'Orphan' };
const MAX_CONFLICT_RETRIES = 5;

/** An operation failed for a reason that becomes the ObjectPatchFailure's `reason`. */
class Failed extends Error {}

/**
 * Applies one object-patch operation (shell-operator pkg/kube/object_patch/patch.go) to a real API server with the semantics of the
 * in-memory cluster's `applyObjectPatch`: Create fails on an existing object, CreateIfNotExists
 * leaves it, CreateOrUpdate replaces it (with its resourceVersion, retried on 409); deletes use
 * Foreground (then waiting until the object is gone), Background or Orphan propagation and
 * ignore a missing object; MergePatch and
 * JSONPatch are checked against the current object (same errors as in memory) and then sent as
 * merge-patch / json-patch; JQPatch reads, runs jq and replaces with the read resourceVersion,
 * again on 409 Conflict. Returns a failure instead of throwing.
 */
export class ObjectPatchApplier {
  private readonly fallbackIdentity = new ObjectIdentity();

  constructor(
    private readonly transport: KubeTransport,
    private readonly discovery: ApiDiscovery,
    private readonly jq: JqPatchFunction | undefined,
    private readonly defaultNamespace: string,
    private readonly deleteWaitMs = 20_000,
  ) {}

  async apply(op: ObjectPatchOperation): Promise<ObjectPatchFailure | undefined> {
    const target = targetOf(op);
    let resource: ApiResource | undefined;
    try {
      resource = target.kind
        ? await this.discovery.resolve(target.apiVersion || undefined, target.kind)
        : undefined;
      await this.dispatch(op, target, resource);
      return undefined;
    } catch (error) {
      if (error instanceof UnknownKindError && isDelete(op)) return undefined; // nothing to delete
      return { operation: op.operation, object: this.normalize(target, resource), reason: reasonOf(error) };
    }
  }

  private async dispatch(op: ObjectPatchOperation, target: ObjectRef, resource: ApiResource | undefined) {
    switch (op.operation) {
      case 'Create':
      case 'CreateOrUpdate':
      case 'CreateIfNotExists': {
        const object = parseDocument(op.object);
        if (!isKubeObject(object) || !resource)
          throw new Failed('object needs apiVersion, kind and metadata.name');
        return this.create(op.operation, structuredClone(object), resource);
      }
      case 'Delete':
      case 'DeleteInBackground':
      case 'DeleteNonCascading': {
        if (!resource) return;
        const ref = this.normalize(target, resource);
        const path = resourcePath(resource, ref.namespace, ref.name);
        const deleted = await ignoreNotFound(
          this.transport.json({
            method: 'DELETE',
            path,
            body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: PROPAGATION[op.operation] },
          }),
        );
        if (deleted !== undefined && op.operation === 'Delete') await this.waitUntilGone(path);
        return;
      }
      case 'MergePatch':
      case 'JSONPatch':
      case 'JQPatch':
        if (!resource) throw new Failed('not found');
        return this.patch(op, this.normalize(target, resource), resource);
      default:
        throw new Failed(`unknown operation "${(op as { operation: string }).operation}"`);
    }
  }

  /** Foreground Delete waits for the object to disappear (shell-operator pkg/kube/object_patch/patch.go: polls up to 20 s). */
  private async waitUntilGone(path: string): Promise<void> {
    const deadline = Date.now() + this.deleteWaitMs;
    for (let delay = 50; ; delay = Math.min(1000, delay * 2)) {
      const current = await ignoreNotFound(this.transport.json<KubeObject>({ method: 'GET', path }));
      if (!current) return;
      if (Date.now() >= deadline) {
        throw new Failed(`still present ${this.deleteWaitMs / 1000} s after a foreground delete`);
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(delay, Math.max(0, deadline - Date.now()))),
      );
    }
  }

  private async create(operation: string, object: KubeObject, resource: ApiResource): Promise<void> {
    if (resource.namespaced) object.metadata.namespace = object.metadata.namespace || this.defaultNamespace;
    else delete object.metadata.namespace;
    const collection = resourcePath(resource, object.metadata.namespace);
    const path = resourcePath(resource, object.metadata.namespace, object.metadata.name);
    delete object.metadata.resourceVersion;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.transport.json({ method: 'POST', path: collection, body: object });
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409 && error.reason === 'AlreadyExists'))
          throw error;
        if (operation === 'Create') throw new Failed(`already exists (${error.reason}: ${error.detail})`);
        if (operation === 'CreateIfNotExists') return;
      }
      // CreateOrUpdate of an existing object: replace it at its current resourceVersion.
      const current = await ignoreNotFound(this.transport.json<KubeObject>({ method: 'GET', path }));
      if (!current) continue; // deleted meanwhile: create again
      try {
        const body = {
          ...object,
          metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion },
        };
        await this.transport.json({ method: 'PUT', path, body });
        return;
      } catch (error) {
        if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }

  private async patch(op: PatchOperation, ref: ObjectRef, resource: ApiResource): Promise<void> {
    const path = resourcePath(resource, ref.namespace, ref.name);
    for (let attempt = 0; ; attempt++) {
      const current = await ignoreNotFound(this.transport.json<KubeObject>({ method: 'GET', path }));
      if (!current) {
        if (op.ignoreMissingObject) return;
        throw new Failed('not found');
      }
      const typed: KubeObject = {
        ...current,
        apiVersion: current.apiVersion || resource.apiVersion,
        kind: current.kind || resource.kind,
      };
      const { next, request } = this.patched(op, typed);
      if (!isKubeObject(next)) throw new Failed('the patched document is not a Kubernetes object');
      const restricted = restrictToSubresource(op.subresource, typed, next);
      if (identityChanged(typed, restricted))
        throw new Failed('a patch may not change apiVersion, kind, namespace or name');
      if (jsonEqual(restricted, typed)) return;
      const target = resourcePath(resource, ref.namespace, ref.name, op.subresource);
      try {
        await this.transport.json({
          method: request.method,
          path: target,
          body: request.body,
          contentType: request.contentType,
        });
        return;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404 && op.ignoreMissingObject) return;
        if (request.method !== 'PUT' || !isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
      }
    }
  }

  /** The locally patched document (to check it) and the request that makes the server apply it. */
  private patched(op: PatchOperation, current: KubeObject) {
    if (op.operation === 'MergePatch') {
      const patch = parseDocument(op.mergePatch);
      if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
        throw new Failed('mergePatch must be an object');
      const request = { method: 'PATCH' as const, body: patch, contentType: 'application/merge-patch+json' };
      return { next: applyMergePatch(current, patch), request };
    }
    if (op.operation === 'JSONPatch') {
      const patch = parseDocument(op.jsonPatch);
      if (!Array.isArray(patch)) throw new Failed('jsonPatch must be an array of RFC 6902 operations');
      let next: unknown;
      try {
        next = applyJsonPatch(current, patch);
      } catch (error) {
        throw new Failed(messageOf(error));
      }
      return {
        next,
        request: { method: 'PATCH' as const, body: patch, contentType: 'application/json-patch+json' },
      };
    }
    if (!op.jqFilter) throw new Failed('jqFilter is required');
    if (!this.jq) throw new Failed('no jq engine: pass `jq` to KubeCluster to apply JQPatch operations');
    let next: unknown;
    try {
      next = this.jq(op.jqFilter, structuredClone(current));
    } catch (error) {
      // jq's message may quote the value it failed on; a hook's failure reaches the log.
      if (current.kind === 'Secret' && current.apiVersion === 'v1')
        throw new Failed("jqFilter failed; its message is withheld, as it may quote the Secret's data");
      throw error;
    }
    const body = isKubeObject(next)
      ? { ...next, metadata: { ...next.metadata, resourceVersion: current.metadata.resourceVersion } }
      : next;
    return { next, request: { method: 'PUT' as const, body, contentType: 'application/json' } };
  }

  /** The ref with its namespace resolved as the server scopes the kind (or, unknown, as in memory). */
  private normalize(ref: ObjectRef, resource: ApiResource | undefined): ObjectRef {
    if (!resource) return this.fallbackIdentity.normalizeRef(ref);
    const { apiVersion, kind, name } = ref;
    if (!resource.namespaced) return { apiVersion, kind, name };
    return { apiVersion, kind, namespace: ref.namespace || this.defaultNamespace, name };
  }
}

/** For `status` only `.status` changes (the server applies it to the subresource). */
function restrictToSubresource(subresource: string | undefined, current: KubeObject, patched: KubeObject) {
  if (subresource?.replace(/^\/+/, '') !== 'status') return patched;
  const next: KubeObject = structuredClone(current);
  if (patched.status === undefined) delete next.status;
  else next.status = structuredClone(patched.status);
  return next;
}

function identityChanged(current: KubeObject, next: KubeObject): boolean {
  return (
    current.apiVersion !== next.apiVersion ||
    current.kind !== next.kind ||
    (next.metadata.namespace ?? current.metadata.namespace) !== current.metadata.namespace ||
    current.metadata.name !== next.metadata.name
  );
}

function isDelete(op: ObjectPatchOperation): boolean {
  return (
    op.operation === 'Delete' ||
    op.operation === 'DeleteInBackground' ||
    op.operation === 'DeleteNonCascading'
  );
}

function isConflict(error: unknown): boolean {
  return error instanceof KubeApiError && error.status === 409;
}

async function ignoreNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

/** A failure's reason: ours as is, the API's as `Reason: message`, anything else by its message. */
function reasonOf(error: unknown): string {
  if (error instanceof Failed) return error.message;
  if (error instanceof KubeApiError)
    return `${error.status} ${error.reason}${error.detail ? `: ${error.detail}` : ''}`;
  return messageOf(error);
}
