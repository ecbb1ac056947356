import type { NarrowingQuery } from '@converge/kube-model';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { type ApiResource, resourcePath } from './discovery.js';
import type { KubeTransport } from './transport.js';

/**
 * The namespaces to list or watch in: each of `selector.namespaces` for a namespaced resource,
 * otherwise one cluster-wide scope (undefined).
 */
export function scopesOf(resource: ApiResource, selector: ResourceSelector): (string | undefined)[] {
  if (!resource.namespaced || !selector.namespaces?.length) return [undefined];
  return [...new Set(selector.namespaces)];
}

/** One listed collection: its items (apiVersion and kind filled in) and its resourceVersion. */
export interface ListedCollection {
  items: KubeObject[];
  resourceVersion: string;
}

interface ListBody {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/** Lists one scope of a resource page by page (500 a page), with the narrowing query. */
export async function listCollection(
  transport: KubeTransport,
  resource: ApiResource,
  namespace: string | undefined,
  query: NarrowingQuery,
): Promise<ListedCollection> {
  const items: KubeObject[] = [];
  let resourceVersion = '';
  let token: string | undefined;
  do {
    const body = await transport.json<ListBody>({
      method: 'GET',
      path: resourcePath(resource, namespace),
      query: { ...query, limit: '500', continue: token },
    });
    if (!resourceVersion) resourceVersion = body.metadata?.resourceVersion ?? '';
    for (const item of body.items ?? []) items.push(withType(item, resource));
    token = body.metadata?.continue || undefined;
  } while (token);
  return { items, resourceVersion };
}

/** List items and watch objects may omit apiVersion and kind: take them from the resource. */
export function withType(object: KubeObject, resource: ApiResource): KubeObject {
  if (object.apiVersion && object.kind) return object;
  return {
    ...object,
    apiVersion: object.apiVersion || resource.apiVersion,
    kind: object.kind || resource.kind,
  };
}
