import type { KubeObject } from '@converge/protocol';

/** One kind the test API server serves: where it lives in the REST tree and how it is named. */
export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, the path segment (`configmaps`). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

type Row = [
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced: boolean,
  short?: string[],
];

const BUILT_IN: Row[] = [
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

/** Splits `group/version` (or `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** `group/version`, or just the version for the core group. */
export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The resource name Kubernetes guesses for a kind without a definition (lowercase plural). */
export function guessPlural(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('s') || k.endsWith('x') || k.endsWith('ch') || k.endsWith('sh')) return `${k}es`;
  if (k.endsWith('y') && !/[aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}

/**
 * The kinds the server knows: the built-in table, every served version of every
 * CustomResourceDefinition in the cluster, and any other kind an object in the cluster has
 * (named by the guessed plural), so objects put directly into the in-memory cluster are reachable.
 */
export class ResourceCatalog {
  private resources: ApiResource[] = [];
  private byPath = new Map<string, ApiResource>();
  private byKind = new Map<string, ApiResource>();

  constructor() {
    this.rebuild([], []);
  }

  /** Recomputes the catalog from the CRDs and the object types present in the cluster. */
  rebuild(crds: readonly KubeObject[], objectTypes: readonly { apiVersion: string; kind: string }[]): void {
    const all: ApiResource[] = BUILT_IN.map(([group, version, kind, plural, namespaced, shortNames]) => ({
      group,
      version,
      kind,
      plural,
      singular: kind.toLowerCase(),
      namespaced,
      ...(shortNames ? { shortNames } : {}),
    }));
    for (const crd of crds) all.push(...crdResources(crd));
    const known = new Set(all.map((r) => `${apiVersionOf(r.group, r.version)}|${r.kind}`));
    for (const { apiVersion, kind } of objectTypes) {
      if (known.has(`${apiVersion}|${kind}`)) continue;
      known.add(`${apiVersion}|${kind}`);
      const { group, version } = splitApiVersion(apiVersion);
      all.push({
        group,
        version,
        kind,
        plural: guessPlural(kind),
        singular: kind.toLowerCase(),
        namespaced: true,
      });
    }
    this.resources = all;
    this.byPath = new Map(all.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));
    this.byKind = new Map(all.map((r) => [`${apiVersionOf(r.group, r.version)}|${r.kind}`, r]));
  }

  /** The resource at `/api[s]/<group>/<version>/<plural>`. */
  byResource(group: string, version: string, plural: string): ApiResource | undefined {
    return this.byPath.get(`${group}/${version}/${plural}`);
  }

  /** The resource of an apiVersion and kind. */
  byApiVersionKind(apiVersion: string, kind: string): ApiResource | undefined {
    return this.byKind.get(`${apiVersion}|${kind}`);
  }

  /** The resources of one group version. */
  resourcesOf(group: string, version: string): ApiResource[] {
    return this.resources.filter((r) => r.group === group && r.version === version);
  }

  /** Every served group version, the core `v1` first. */
  groupVersions(): { group: string; version: string }[] {
    const seen = new Map<string, { group: string; version: string }>();
    for (const r of this.resources)
      seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
    return [...seen.values()];
  }

  /** Whether the group/version is served at all. */
  hasGroupVersion(group: string, version: string): boolean {
    return this.resources.some((r) => r.group === group && r.version === version);
  }

  /** `GET /api`: the core group's versions. */
  coreVersions(serverAddress: string): unknown {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  /** `GET /apis`: every named group with its versions, the first as the preferred one. */
  groupList(): unknown {
    const groups = new Map<string, string[]>();
    for (const r of this.resources) {
      if (!r.group) continue;
      const versions = groups.get(r.group) ?? [];
      if (!versions.includes(r.version)) versions.push(r.version);
      groups.set(r.group, versions);
    }
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => {
        const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
        return { name, versions: list, preferredVersion: list[0] };
      }),
    };
  }

  /** `GET /apis/<group>`: one group. */
  group(name: string): unknown | undefined {
    const list = (this.groupList() as { groups: { name: string }[] }).groups.find((g) => g.name === name);
    return list && { kind: 'APIGroup', apiVersion: 'v1', ...list };
  }

  /** `GET /api/v1` or `/apis/<group>/<version>`: the resources of one group version. */
  resourceList(group: string, version: string): unknown {
    const resources = this.resources.filter((r) => r.group === group && r.version === version);
    const entries: unknown[] = [];
    for (const r of resources) {
      entries.push({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: VERBS,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      });
      if (hasStatus(r))
        entries.push({
          name: `${r.plural}/status`,
          singularName: '',
          namespaced: r.namespaced,
          kind: r.kind,
          verbs: ['get', 'patch', 'update'],
        });
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: apiVersionOf(group, version),
      resources: entries,
    };
  }
}

function hasStatus(r: ApiResource): boolean {
  return ![
    'ConfigMap',
    'Secret',
    'ServiceAccount',
    'Event',
    'Endpoints',
    'Role',
    'RoleBinding',
    'ClusterRole',
    'ClusterRoleBinding',
    'LimitRange',
  ].includes(r.kind);
}

/** The resources a CustomResourceDefinition serves (every served version). */
function crdResources(crd: KubeObject): ApiResource[] {
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
