import type { KubeObject } from '@converge/protocol';

/** How the API server names one kind: group, version, plural resource, scope and short names. */
export interface ResourceNames {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, the URL path segment (`configmaps`). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
}

type Row = [
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  short?: string[],
];

const ROWS: Row[] = [
  ['', 'v1', 'Namespace', 'namespaces', false, ['ns']],
  ['', 'v1', 'Node', 'nodes', false, ['no']],
  ['', 'v1', 'PersistentVolume', 'persistentvolumes', false, ['pv']],
  ['', 'v1', 'ConfigMap', 'configmaps', true, ['cm']],
  ['', 'v1', 'Secret', 'secrets', true],
  ['', 'v1', 'Pod', 'pods', true, ['po']],
  ['', 'v1', 'Service', 'services', true, ['svc']],
  ['', 'v1', 'ServiceAccount', 'serviceaccounts', true, ['sa']],
  ['', 'v1', 'Endpoints', 'endpoints', true, ['ep']],
  ['', 'v1', 'Event', 'events', true, ['ev']],
  ['', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, ['pvc']],
  ['', 'v1', 'ResourceQuota', 'resourcequotas', true, ['quota']],
  ['', 'v1', 'LimitRange', 'limitranges', true, ['limits']],
  ['apps', 'v1', 'Deployment', 'deployments', true, ['deploy']],
  ['apps', 'v1', 'StatefulSet', 'statefulsets', true, ['sts']],
  ['apps', 'v1', 'DaemonSet', 'daemonsets', true, ['ds']],
  ['apps', 'v1', 'ReplicaSet', 'replicasets', true, ['rs']],
  ['batch', 'v1', 'Job', 'jobs', true],
  ['batch', 'v1', 'CronJob', 'cronjobs', true, ['cj']],
  ['rbac.authorization.k8s.io', 'v1', 'Role', 'roles', true],
  ['rbac.authorization.k8s.io', 'v1', 'RoleBinding', 'rolebindings', true],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'clusterroles', false],
  ['rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding', 'clusterrolebindings', false],
  [
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'customresourcedefinitions',
    false,
    ['crd', 'crds'],
  ],
  ['apiregistration.k8s.io', 'v1', 'APIService', 'apiservices', false],
  ['coordination.k8s.io', 'v1', 'Lease', 'leases', true],
  ['networking.k8s.io', 'v1', 'Ingress', 'ingresses', true, ['ing']],
  ['networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies', true, ['netpol']],
  ['policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, ['pdb']],
  ['scheduling.k8s.io', 'v1', 'PriorityClass', 'priorityclasses', false, ['pc']],
  ['storage.k8s.io', 'v1', 'StorageClass', 'storageclasses', false, ['sc']],
  [
    'admissionregistration.k8s.io',
    'v1',
    'MutatingWebhookConfiguration',
    'mutatingwebhookconfigurations',
    false,
  ],
  [
    'admissionregistration.k8s.io',
    'v1',
    'ValidatingWebhookConfiguration',
    'validatingwebhookconfigurations',
    false,
  ],
  ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, ['hpa']],
];

/**
 * The built-in kinds the embedded cluster and the test API server serve, named as a Kubernetes
 * 1.33 API server's discovery names them (plural, singular, short names).
 */
export const BUILT_IN_RESOURCES: readonly ResourceNames[] = ROWS.map(
  ([group, version, kind, plural, namespaced, shortNames]) => ({
    group,
    version,
    kind,
    plural,
    singular: kind.toLowerCase(),
    namespaced,
    ...(shortNames ? { shortNames } : {}),
  }),
);

/** The resource name Kubernetes guesses for a kind without a definition (lowercase plural). */
export function guessPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('s') || k.endsWith('x') || k.endsWith('ch') || k.endsWith('sh')) return `${k}es`;
  if (k.endsWith('y') && !/[aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/** The resources a CustomResourceDefinition serves (every served version), named as it names them. */
export function crdResources(crd: KubeObject): ResourceNames[] {
  const spec = (crd as { spec?: Record<string, unknown> }).spec ?? {};
  const names = (spec.names ?? {}) as Record<string, unknown>;
  const group = typeof spec.group === 'string' ? spec.group : '';
  const kind = typeof names.kind === 'string' ? names.kind : '';
  if (!group || !kind) return [];
  const plural = typeof names.plural === 'string' ? names.plural : guessPlural(kind);
  const versions = Array.isArray(spec.versions)
    ? (spec.versions as { name?: string; served?: boolean }[])
        .filter((v) => typeof v.name === 'string' && v.served !== false)
        .map((v) => v.name as string)
    : typeof spec.version === 'string'
      ? [spec.version]
      : [];
  return versions.map((version) => ({
    group,
    version,
    kind,
    plural,
    singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
    namespaced: spec.scope !== 'Cluster',
    ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames as string[] } : {}),
  }));
}

/**
 * Whether `name` names the resource as kubectl and flant/kube-client resolve it: Kind, plural or
 * a short name, case-insensitively (kube-client's getApiResourceFromResourceLists), or its
 * singular name (kubectl).
 */
export function namesResource(
  name: string,
  r: { kind: string; plural: string; singular?: string; shortNames?: readonly string[] },
): boolean {
  const n = name.toLowerCase();
  return (
    n === r.kind.toLowerCase() ||
    n === r.plural.toLowerCase() ||
    n === r.singular?.toLowerCase() ||
    (r.shortNames ?? []).some((s) => s.toLowerCase() === n)
  );
}
