import type { KubeObject, ObjectRef } from '@converge/protocol';

/** Kinds that live outside namespaces; objects of these kinds never carry `metadata.namespace`. */
export const DEFAULT_CLUSTER_SCOPED_KINDS: readonly string[] = [
  'Namespace',
  'Node',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'PersistentVolume',
  'StorageClass',
  'APIService',
  'PriorityClass',
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/** The namespace an object without one is put in. */
export const DEFAULT_NAMESPACE = 'default';

/**
 * Knows which kinds are cluster-scoped and turns refs and objects into stable string keys
 * (`apiVersion/kind/namespace/name`, namespace empty for cluster-scoped kinds).
 */
export class ObjectIdentity {
  private readonly clusterScoped = new Set<string>();

  constructor(clusterScopedKinds: Iterable<string> = DEFAULT_CLUSTER_SCOPED_KINDS) {
    for (const kind of clusterScopedKinds) this.addClusterScopedKind(kind);
  }

  /** Declares one more cluster-scoped kind (case-insensitive). */
  addClusterScopedKind(kind: string): void {
    this.clusterScoped.add(kind.toLowerCase());
  }

  isClusterScoped(kind: string): boolean {
    return this.clusterScoped.has(kind.toLowerCase());
  }

  /** The ref with its namespace resolved: dropped for cluster-scoped kinds, "default" when absent. */
  normalizeRef(ref: ObjectRef): ObjectRef {
    const { apiVersion, kind, name } = ref;
    if (this.isClusterScoped(kind)) return { apiVersion, kind, name };
    return { apiVersion, kind, namespace: ref.namespace || DEFAULT_NAMESPACE, name };
  }

  /** The stable key of a ref (normalized first). */
  key(ref: ObjectRef): string {
    const n = this.normalizeRef(ref);
    return `${n.apiVersion}/${n.kind}/${n.namespace ?? ''}/${n.name}`;
  }
}

/** The ref of an object as stored (its own apiVersion, kind, namespace and name). */
export function refOf(object: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: object.apiVersion, kind: object.kind, name: object.metadata.name };
  if (object.metadata.namespace) ref.namespace = object.metadata.namespace;
  return ref;
}

/** `apiVersion/kind namespace/name` (or `apiVersion/kind name`), for error messages and logs. */
export function describeRef(ref: ObjectRef): string {
  const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return `${ref.apiVersion}/${ref.kind} ${where}`;
}
