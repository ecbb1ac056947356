/**
 * Which kinds are cluster-scoped: the built-in Kubernetes ones, plus custom kinds whose
 * CustomResourceDefinition (in the cluster or in the same manifest) says `scope: Cluster`.
 */
import type { KubeObject, ObjectRef } from '@converge/protocol';

/** Built-in cluster-scoped kinds (Kubernetes 1.33). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTrustBundle',
  'ComponentStatus',
  'CustomResourceDefinition',
  'DeviceClass',
  'FlowSchema',
  'IPAddress',
  'IngressClass',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'ResourceSlice',
  'RuntimeClass',
  'SelfSubjectAccessReview',
  'SelfSubjectReview',
  'SelfSubjectRulesReview',
  'ServiceCIDR',
  'StorageClass',
  'StorageVersionMigration',
  'SubjectAccessReview',
  'TokenReview',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  'VolumeAttributesClass',
]);

function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** `group/Kind` of cluster-scoped custom kinds declared by the given CRDs. */
export function clusterScopedCustomKinds(crds: readonly KubeObject[]): Set<string> {
  const kinds = new Set<string>();
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    const spec = (crd as { spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown } } }).spec;
    if (spec?.scope === 'Cluster' && typeof spec.group === 'string' && typeof spec.names?.kind === 'string') {
      kinds.add(`${spec.group}/${spec.names.kind}`);
    }
  }
  return kinds;
}

/** Whether objects of this apiVersion/kind are cluster-scoped. */
export function isClusterScoped(apiVersion: string, kind: string, customKinds: ReadonlySet<string>): boolean {
  const group = apiGroup(apiVersion);
  if (customKinds.has(`${group}/${kind}`)) return true;
  return !group.includes('.') || group.endsWith('.k8s.io') ? CLUSTER_SCOPED_KINDS.has(kind) : false;
}

/** The object's ref with namespace resolved: none when cluster-scoped, `namespace` when absent. */
export function releaseObjectRef(
  object: KubeObject,
  namespace: string,
  customKinds: ReadonlySet<string>,
): ObjectRef {
  const { apiVersion, kind } = object;
  const name = object.metadata.name;
  if (isClusterScoped(apiVersion, kind, customKinds)) return { apiVersion, kind, name };
  return { apiVersion, kind, namespace: object.metadata.namespace || namespace, name };
}

/** Identity of a ref across apiVersions of one group: `group/Kind/namespace/name`. */
export function refKey(ref: ObjectRef): string {
  return `${apiGroup(ref.apiVersion)}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}
