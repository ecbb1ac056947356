import type { KubeObject } from '@converge/protocol';
import { ApiStatusError } from './api-status.js';
import type { ObjectTarget } from './object-store-api.js';
import { apiVersionOf } from './resource-catalog.js';

/** A `<Kind>List` of `items` at `resourceVersion`. */
export function listOf(t: ObjectTarget, items: KubeObject[], resourceVersion: string): unknown {
  return {
    apiVersion: apiVersionOf(t.resource.group, t.resource.version),
    kind: `${t.resource.kind}List`,
    metadata: { resourceVersion },
    items,
  };
}

/**
 * One page of a list: `limit` items after the `continue` token's offset, with a token for the rest.
 * The token pins the first page's resourceVersion; later pages list the cluster as it is now.
 */
export function listPage(
  t: ObjectTarget,
  items: KubeObject[],
  resourceVersion: string,
  q: URLSearchParams,
): unknown {
  const limit = Number(q.get('limit') ?? 0);
  const token = q.get('continue');
  let offset = 0;
  let version = resourceVersion;
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
        rv: string;
        offset: number;
      };
      offset = parsed.offset;
      version = parsed.rv;
    } catch {
      throw new ApiStatusError('BadRequest', `invalid continue token ${JSON.stringify(token)}`);
    }
  }
  if (!(limit > 0) && offset === 0) return listOf(t, items, resourceVersion);
  const end = limit > 0 ? offset + limit : items.length;
  const page = listOf(t, items.slice(offset, end), version) as { metadata: Record<string, unknown> };
  if (end < items.length) {
    page.metadata.continue = Buffer.from(JSON.stringify({ rv: version, offset: end })).toString('base64url');
    page.metadata.remainingItemCount = items.length - end;
  }
  return page;
}
