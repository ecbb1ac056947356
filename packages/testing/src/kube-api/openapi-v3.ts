import { type ApiResource, apiVersionOf, type ResourceCatalog } from './resource-catalog.js';

/** The URL path of a group version's OpenAPI v3 document, relative to `/openapi/v3/`. */
function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/**
 * `GET /openapi/v3`: one entry per served group version. Clients (kubectl, helm) read it to learn
 * that the server validates fields itself (`fieldValidation`), so they skip client-side schema
 * validation.
 */
export function openApiRoot(catalog: ResourceCatalog, hash: string): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const { group, version } of catalog.groupVersions()) {
    const path = gvPath(group, version);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` };
  }
  return { paths };
}

/**
 * `GET /openapi/v3/<group version>`: the operations of every resource of the group version, each
 * tagged with its group-version-kind and accepting `fieldValidation`, `dryRun` and `fieldManager`.
 * There are no schemas: the server accepts any fields.
 */
export function openApiGroupVersion(
  catalog: ResourceCatalog,
  group: string,
  version: string,
): unknown | undefined {
  const resources = catalog.resourcesOf(group, version);
  if (resources.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const r of resources) {
    const base = `/${gvPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}`;
    paths[base] = { get: operation(r, 'list'), post: operation(r, 'post') };
    paths[`${base}/{name}`] = {
      get: operation(r, 'get'),
      put: operation(r, 'put'),
      patch: operation(r, 'patch'),
      delete: operation(r, 'delete'),
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: apiVersionOf(group, version) },
    paths,
    components: { schemas: {} },
  };
}

function operation(r: ApiResource, action: string): unknown {
  const writes = action === 'post' || action === 'put' || action === 'patch';
  return {
    operationId: `${action}${r.kind}`,
    parameters: writes
      ? ['fieldValidation', 'dryRun', 'fieldManager'].map((name) => ({
          name,
          in: 'query',
          schema: { type: 'string' },
        }))
      : [],
    responses: { '200': { description: 'OK' } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind },
  };
}
