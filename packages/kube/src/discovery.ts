import { kindMatches, namesResource } from '@converge/kube-model';
import { KubeApiError, UnknownKindError } from './errors.js';
import type { KubeTransport } from './transport.js';

/** A resource the API server serves: group version, kind, plural name, scope and subresources. */
export interface ApiResource {
  /** `v1` or `group/version`. */
  apiVersion: string;
  kind: string;
  /** Plural resource name, as in the URL path. */
  name: string;
  namespaced: boolean;
  subresources: string[];
  singularName?: string;
  shortNames?: string[];
}

interface ResourceList {
  groupVersion?: string;
  resources?: {
    name: string;
    singularName?: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
  }[];
}

interface GroupList {
  groups?: {
    name: string;
    versions: { groupVersion: string }[];
    preferredVersion?: { groupVersion: string };
  }[];
}

/**
 * Kind → resource through API discovery (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`),
 * cached per group version. A miss discovers again once, because CRDs add kinds at run time.
 * Without an apiVersion the kind is looked up in the core group, then in every group at its
 * preferred version, in the server's order; the first match wins. A kind is named by its Kind,
 * plural or short names, case-insensitively, as addon-operator's kube client resolves it
 * (flant/kube-client client.go getApiResourceFromResourceLists), or by its singular name (kubectl).
 */
export class ApiDiscovery {
  private readonly byGroupVersion = new Map<string, ApiResource[] | null>();
  private preferred: string[] | undefined;

  constructor(private readonly transport: KubeTransport) {}

  /** The resource of `kind` (in `apiVersion` when given); rejects with UnknownKindError. */
  async resolve(apiVersion: string | undefined, kind: string): Promise<ApiResource> {
    const found = await this.lookup(apiVersion, kind, false);
    if (found) return found;
    const again = await this.lookup(apiVersion, kind, true);
    if (again) return again;
    throw new UnknownKindError(kind, apiVersion || undefined, this.transport.server);
  }

  /** Forgets everything discovered. */
  invalidate(): void {
    this.byGroupVersion.clear();
    this.preferred = undefined;
  }

  private async lookup(apiVersion: string | undefined, kind: string, fresh: boolean) {
    if (apiVersion) return find(await this.resources(apiVersion, fresh), kind);
    if (fresh || !this.preferred) this.preferred = await this.preferredGroupVersions();
    for (const groupVersion of this.preferred) {
      const found = find(await this.resources(groupVersion, fresh), kind);
      if (found) return found;
    }
    return undefined;
  }

  private async resources(groupVersion: string, fresh: boolean): Promise<ApiResource[]> {
    const cached = this.byGroupVersion.get(groupVersion);
    if (cached !== undefined && !fresh) return cached ?? [];
    let list: ResourceList;
    try {
      list = await this.transport.json<ResourceList>({ method: 'GET', path: groupVersionPath(groupVersion) });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) {
        this.byGroupVersion.set(groupVersion, null);
        return [];
      }
      throw error;
    }
    const all = list.resources ?? [];
    const resources: ApiResource[] = all
      .filter((r) => !r.name.includes('/'))
      .map((r) => ({
        apiVersion: groupVersion,
        kind: r.kind,
        name: r.name,
        namespaced: r.namespaced,
        subresources: all
          .filter((s) => s.name.startsWith(`${r.name}/`))
          .map((s) => s.name.slice(r.name.length + 1)),
        singularName: r.singularName,
        ...(r.shortNames?.length ? { shortNames: r.shortNames } : {}),
      }));
    this.byGroupVersion.set(groupVersion, resources);
    return resources;
  }

  private async preferredGroupVersions(): Promise<string[]> {
    const core = await this.transport.json<{ versions?: string[] }>({ method: 'GET', path: '/api' });
    const groups = await this.transport.json<GroupList>({ method: 'GET', path: '/apis' });
    return [
      ...(core.versions ?? ['v1']),
      ...(groups.groups ?? []).map((g) => g.preferredVersion?.groupVersion ?? g.versions[0]?.groupVersion),
    ].filter((v): v is string => typeof v === 'string');
  }
}

function find(resources: ApiResource[], kind: string): ApiResource | undefined {
  return resources.find(
    (r) =>
      namesResource(kind, {
        kind: r.kind,
        plural: r.name,
        singular: r.singularName,
        shortNames: r.shortNames,
      }) || kindMatches(kind, r.kind),
  );
}

/** `/api/v1` for the core group, `/apis/<group>/<version>` otherwise. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The URL path of a resource collection or object, optionally of a subresource. */
export function resourcePath(
  resource: ApiResource,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  let path = groupVersionPath(resource.apiVersion);
  if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.name}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource.replace(/^\/+/, '')}`;
  return path;
}
