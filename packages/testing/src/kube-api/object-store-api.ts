import type { InMemoryCluster } from '@converge/cluster-memory';
import { applyJsonPatch, applyMergePatch, parseGoYaml as parseYaml } from '@converge/kube-model';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { ApiStatusError, notFound } from './api-status.js';
import { type ApiResource, apiVersionOf } from './resource-catalog.js';
import { applyConfiguration, applyStrategicMergePatch } from './strategic-merge.js';

/** Where a request points: a resource, maybe a namespace, maybe one object and a subresource. */
export interface ObjectTarget {
  resource: ApiResource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Options of writes: dry run, field manager and the patch body's media type. */
export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  contentType?: string;
}

type Obj = KubeObject & Record<string, unknown>;

/** The finalizer the API server puts on a CustomResourceDefinition while its resources are deleted. */
const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

const isDefinition = (o: KubeObject) =>
  o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/');

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * The write side of the test API server over an InMemoryCluster: create, update, patch (merge,
 * JSON, strategic, apply) and delete with the API server's rules — namespaces must exist,
 * optimistic concurrency on resourceVersion, finalizers delay deletion, deleting a Namespace or a
 * CustomResourceDefinition deletes what lives in it.
 */
export class ObjectStoreApi {
  /** Last applied configuration per object and field manager (server-side apply). */
  private readonly applied = new Map<string, unknown>();
  private generateCounter = 0;

  constructor(
    private readonly cluster: InMemoryCluster,
    private readonly now: () => Date,
  ) {}

  /** Creates the namespaces every cluster has. */
  ensureSystemNamespaces(): void {
    for (const name of SYSTEM_NAMESPACES) {
      const ref = { apiVersion: 'v1', kind: 'Namespace', name };
      if (!this.cluster.get(ref))
        this.cluster.put({ ...ref, metadata: { name, creationTimestamp: this.timestamp() } } as KubeObject);
    }
  }

  refOf(t: ObjectTarget, name = t.name ?? ''): ObjectRef {
    return {
      apiVersion: apiVersionOf(t.resource.group, t.resource.version),
      kind: t.resource.kind,
      name,
      ...(t.resource.namespaced && t.namespace ? { namespace: t.namespace } : {}),
    };
  }

  get(t: ObjectTarget): KubeObject {
    const object = this.cluster.get(this.refOf(t));
    if (!object) throw notFound(t.resource.plural, t.resource.group, t.name ?? '');
    return object;
  }

  create(t: ObjectTarget, body: unknown, o: WriteOptions): KubeObject {
    const object = this.checkBody(t, body);
    const meta = object.metadata as Record<string, unknown>;
    if (!meta.name && typeof meta.generateName === 'string')
      meta.name = `${meta.generateName}${(++this.generateCounter).toString(36).padStart(5, '0')}`;
    if (!meta.name)
      throw new ApiStatusError('Invalid', `${t.resource.kind} "": metadata.name: Required value`);
    const ref = this.refOf(t, String(meta.name));
    if (this.cluster.get(ref))
      throw new ApiStatusError(
        'AlreadyExists',
        `${t.resource.plural}${t.resource.group ? `.${t.resource.group}` : ''} "${meta.name}" already exists`,
        { name: String(meta.name), group: t.resource.group, kind: t.resource.plural },
      );
    delete meta.resourceVersion;
    delete meta.uid;
    delete meta.deletionTimestamp;
    meta.creationTimestamp = this.timestamp();
    meta.generation = 1;
    if (o.dryRun) return object;
    return this.cluster.put(object);
  }

  update(t: ObjectTarget, body: unknown, o: WriteOptions): KubeObject {
    const current = this.get(t) as Obj;
    let next = this.checkBody(t, body);
    if (next.metadata.name !== t.name)
      throw new ApiStatusError(
        'BadRequest',
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${t.name})`,
      );
    this.checkVersion(t, current, next.metadata.resourceVersion);
    if (t.subresource === 'status') next = { ...current, status: (next as Obj).status } as Obj;
    else if (t.subresource)
      throw new ApiStatusError('MethodNotAllowed', `subresource ${t.subresource} is not supported`);
    return this.store(t, current, next, o);
  }

  patch(t: ObjectTarget, raw: string, o: WriteOptions): KubeObject {
    const type = (o.contentType ?? '').split(';')[0].trim();
    const ref = this.refOf(t);
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+json') {
      const config = this.parse(raw, true);
      const key = `${this.keyOf(ref)}|${o.fieldManager ?? ''}`;
      const current = this.cluster.get(ref);
      if (!current) {
        const created = this.create(t, config, o);
        if (!o.dryRun) this.applied.set(key, config);
        return created;
      }
      const next = applyConfiguration(current, this.applied.get(key), config) as Obj;
      if (!o.dryRun) this.applied.set(key, config);
      return this.store(t, current as Obj, this.checkBody(t, next), o);
    }
    const current = this.get(t) as Obj;
    const patch = this.parse(raw, false);
    let next: unknown;
    try {
      if (type === 'application/json-patch+json') {
        next = applyJsonPatch(current, patch);
      } else if (type === 'application/merge-patch+json') {
        next = applyMergePatch(current, patch);
      } else if (type === 'application/strategic-merge-patch+json') {
        next = applyStrategicMergePatch(current, patch);
      } else {
        throw new ApiStatusError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
        );
      }
    } catch (e) {
      if (e instanceof ApiStatusError) throw e;
      throw new ApiStatusError(
        'Invalid',
        `patch could not be applied: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    const object = this.checkBody(t, next);
    if (object.metadata.name !== t.name)
      throw new ApiStatusError(
        'Invalid',
        `metadata.name: Invalid value: "${object.metadata.name}": field is immutable`,
      );
    const patchVersion = (patch as { metadata?: { resourceVersion?: string } })?.metadata?.resourceVersion;
    this.checkVersion(t, current, patchVersion);
    const merged =
      t.subresource === 'status' ? ({ ...current, status: (object as Obj).status } as Obj) : object;
    return this.store(t, current, merged, o);
  }

  /**
   * Deletes one object; with finalizers it only gets a deletionTimestamp, as in Kubernetes.
   * Deleting a CustomResourceDefinition deletes its custom resources first and stays, terminating,
   * until the last of them is gone (finalizers can hold it forever, as in a real cluster).
   */
  delete(t: ObjectTarget, o: WriteOptions): KubeObject {
    const current = this.get(t) as Obj;
    if (o.dryRun) return current;
    if (isDefinition(current)) return this.deleteDefinition(current);
    return this.markOrRemove(current);
  }

  private markOrRemove(current: Obj): KubeObject {
    const finalizers = (current.metadata as { finalizers?: string[] }).finalizers ?? [];
    if (finalizers.length === 0) {
      this.removeNow(current);
      return current;
    }
    if ((current.metadata as Record<string, unknown>).deletionTimestamp) return current;
    return this.cluster.put({
      ...current,
      metadata: { ...current.metadata, deletionTimestamp: this.timestamp(), deletionGracePeriodSeconds: 0 },
    } as KubeObject);
  }

  private deleteDefinition(crd: Obj): KubeObject {
    const resources = this.resourcesOf(crd);
    if (resources.length === 0) {
      this.removeNow(crd);
      return crd;
    }
    const meta = crd.metadata as Record<string, unknown>;
    const marked = meta.deletionTimestamp
      ? crd
      : this.cluster.put({
          ...crd,
          metadata: {
            ...crd.metadata,
            deletionTimestamp: this.timestamp(),
            finalizers: [...((meta.finalizers as string[]) ?? []), CRD_CLEANUP_FINALIZER],
          },
        } as KubeObject);
    for (const resource of resources) this.markOrRemove(resource as Obj);
    return this.cluster.get(this.refOfObject(marked)) ?? marked;
  }

  /** The custom resources of a CustomResourceDefinition, in every version. */
  private resourcesOf(crd: KubeObject): KubeObject[] {
    const spec = (crd as Obj).spec as { group?: string; names?: { kind?: string } } | undefined;
    const group = spec?.group;
    const kind = spec?.names?.kind;
    if (!group || !kind) return [];
    return this.cluster
      .objectTypes()
      .filter((type) => type.kind === kind && type.apiVersion.startsWith(`${group}/`))
      .flatMap((type) =>
        this.cluster.listSync(type).filter((o) => o.kind === kind && o.apiVersion === type.apiVersion),
      );
  }

  /** A custom resource is gone: a terminating definition with no resources left goes too. */
  private finishDefinitions(removed: KubeObject): void {
    const group = removed.apiVersion.includes('/') ? removed.apiVersion.split('/')[0] : '';
    if (!group || removed.kind === 'CustomResourceDefinition') return;
    const definitions = this.cluster.listSync({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
    });
    for (const crd of definitions) {
      const spec = (crd as Obj).spec as { group?: string; names?: { kind?: string } } | undefined;
      if (spec?.group !== group || spec?.names?.kind !== removed.kind) continue;
      if ((crd.metadata as Record<string, unknown>).deletionTimestamp && this.resourcesOf(crd).length === 0)
        this.removeNow(crd);
    }
  }

  private store(t: ObjectTarget, current: Obj, next: Obj, o: WriteOptions): KubeObject {
    const meta = next.metadata as Record<string, unknown>;
    const was = current.metadata as Record<string, unknown>;
    meta.uid = was.uid;
    meta.creationTimestamp = was.creationTimestamp;
    if (was.deletionTimestamp) meta.deletionTimestamp = was.deletionTimestamp;
    delete meta.resourceVersion;
    const specChanged = JSON.stringify(stripMeta(current)) !== JSON.stringify(stripMeta(next));
    meta.generation = Number(was.generation ?? 1) + (specChanged && t.subresource !== 'status' ? 1 : 0);
    if (o.dryRun)
      return { ...next, metadata: { ...meta, resourceVersion: was.resourceVersion } } as KubeObject;
    if (meta.deletionTimestamp && !((meta.finalizers as string[] | undefined)?.length ?? 0)) {
      this.removeNow(current);
      return next;
    }
    return this.cluster.put(next);
  }

  private refOfObject(object: KubeObject): ObjectRef {
    return {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: object.metadata.name,
      ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    };
  }

  private removeNow(object: KubeObject): void {
    const ref = this.refOfObject(object);
    if (object.apiVersion === 'v1' && object.kind === 'Namespace')
      this.removeWhere((o) => o.metadata.namespace === object.metadata.name);
    this.cluster.remove(ref);
    for (const key of [...this.applied.keys()])
      if (key.startsWith(`${this.keyOf(ref)}|`)) this.applied.delete(key);
    this.finishDefinitions(object);
  }

  private removeWhere(match: (o: KubeObject) => boolean): void {
    for (const type of this.cluster.objectTypes())
      for (const o of this.cluster.listSync({ apiVersion: type.apiVersion, kind: type.kind }))
        if (match(o) && o.apiVersion === type.apiVersion && o.kind === type.kind) this.removeNow(o);
  }

  /** The body as an object of this resource: apiVersion/kind filled in or checked, namespace from the URL. */
  private checkBody(t: ObjectTarget, body: unknown): Obj {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new ApiStatusError('BadRequest', 'the request body is not an object');
    const object = structuredClone(body) as Obj;
    const apiVersion = apiVersionOf(t.resource.group, t.resource.version);
    object.apiVersion ??= apiVersion;
    object.kind ??= t.resource.kind;
    if (object.apiVersion !== apiVersion || object.kind !== t.resource.kind)
      throw new ApiStatusError(
        'BadRequest',
        `the API version in the data (${object.apiVersion}) and kind (${object.kind}) do not match the URL (${apiVersion}, ${t.resource.kind})`,
      );
    object.metadata ??= { name: '' };
    const meta = object.metadata as Record<string, unknown>;
    if (t.resource.namespaced) {
      if (meta.namespace && meta.namespace !== t.namespace)
        throw new ApiStatusError(
          'BadRequest',
          'the namespace of the provided object does not match the namespace sent on the request',
        );
      meta.namespace = t.namespace;
      const ns = { apiVersion: 'v1', kind: 'Namespace', name: t.namespace ?? '' };
      if (!this.cluster.get(ns)) throw notFound('namespaces', '', t.namespace ?? '');
    } else delete meta.namespace;
    return object;
  }

  private checkVersion(t: ObjectTarget, current: KubeObject, wanted: string | undefined): void {
    if (wanted && wanted !== current.metadata.resourceVersion)
      throw new ApiStatusError(
        'Conflict',
        `Operation cannot be fulfilled on ${t.resource.plural}${t.resource.group ? `.${t.resource.group}` : ''} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: t.name, group: t.resource.group, kind: t.resource.plural },
      );
  }

  private parse(raw: string, yaml: boolean): unknown {
    try {
      return yaml ? parseYaml(raw) : JSON.parse(raw);
    } catch (e) {
      throw new ApiStatusError(
        'BadRequest',
        `the request body is not valid ${yaml ? 'YAML' : 'JSON'}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  private keyOf(ref: ObjectRef): string {
    return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
  }

  private timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
  }
}

function stripMeta(o: Obj): unknown {
  const { metadata: _, status: __, ...rest } = o;
  return rest;
}
