import type { FieldSelector, KubeObject, LabelSelector, ResourceSelector } from '@converge/protocol';
import { type ApiResource, resourcePath } from './discovery.js';
import type { KubeTransport } from './transport.js';

/** Query parameters that narrow a list or watch on the server; the client filters exactly afterwards. */
export interface NarrowingQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

const SAFE = /^[A-Za-z0-9._/-]*$/;

/**
 * The part of a selector the API server can apply: the label selector (terms whose keys and
 * values are plain label syntax) and `metadata.name` / `metadata.namespace` field terms, which
 * every resource supports. Everything else is left to the client-side filter.
 */
export function narrowingQuery(selector: ResourceSelector): NarrowingQuery {
  const query: NarrowingQuery = {};
  const labels = labelSelectorString(selector.labelSelector);
  if (labels) query.labelSelector = labels;
  const fields = fieldSelectorTerms(selector.fieldSelector);
  if (selector.names?.length === 1 && SAFE.test(selector.names[0]))
    fields.push(`metadata.name=${selector.names[0]}`);
  if (fields.length) query.fieldSelector = fields.join(',');
  return query;
}

/** A label selector in the API's string syntax; terms it cannot express safely are dropped. */
export function labelSelectorString(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const terms: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (SAFE.test(key) && key && SAFE.test(value)) terms.push(`${key}=${value}`);
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (!key || !SAFE.test(key) || !values.every((v) => SAFE.test(v) && v !== '')) continue;
    if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else if (values.length > 0)
      terms.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return terms.length ? terms.join(',') : undefined;
}

function fieldSelectorTerms(selector: FieldSelector | undefined): string[] {
  const terms: string[] = [];
  for (const { field, operator, value } of selector?.matchExpressions ?? []) {
    if (field !== 'metadata.name' && field !== 'metadata.namespace') continue;
    if (!SAFE.test(value)) continue;
    terms.push(`${field}${operator === '!=' || operator === 'NotEquals' ? '!=' : '='}${value}`);
  }
  return terms;
}

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
