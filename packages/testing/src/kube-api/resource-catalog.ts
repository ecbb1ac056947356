import { BUILT_IN_RESOURCES, crdResources, guessPlural, type ResourceNames } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';

/** One kind the test API server serves: where it lives in the REST tree and how it is named. */
export type ApiResource = ResourceNames;

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

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
    // The same names as the embedded cluster resolves (kube-model's built-in-resources.ts).
    const all: ApiResource[] = BUILT_IN_RESOURCES.map((r) => ({ ...r }));
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
