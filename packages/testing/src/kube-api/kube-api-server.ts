import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemoryCluster } from '@converge/cluster-memory';
import { parseFieldSelector, parseLabelSelector, SelectorSyntaxError } from '@converge/kube-model';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { stringify } from 'yaml';
import { ApiStatusError } from './api-status.js';
import { listOf, listPage } from './list-pages.js';
import { ObjectStoreApi, type ObjectTarget, type WriteOptions } from './object-store-api.js';
import { openApiGroupVersion, openApiRoot } from './openapi-v3.js';
import { decodeProtobufObject, PROTOBUF } from './protobuf-objects.js';
import { apiVersionOf, ResourceCatalog } from './resource-catalog.js';
import { WatchHistory } from './watch-history.js';
import { startWatch } from './watch-stream.js';

export interface KubeApiServerOptions {
  /**
   * The cluster to serve; default: a new InMemoryCluster with `objects`. The server puts the
   * Namespaces every cluster has (`default`, `kube-system`, `kube-public`, `kube-node-lease`) into it.
   */
  cluster?: InMemoryCluster;
  objects?: readonly KubeObject[];
  /** Port on 127.0.0.1 (default: any free port). */
  port?: number;
  /** Writes kept for watches that resume from a resourceVersion (default 10,000). */
  historyLimit?: number;
  /** Clock for creationTimestamp and deletionTimestamp (default: the wall clock). */
  now?: () => Date;
  /** The `/version` the server reports (default 1.33.0). */
  kubernetesVersion?: string;
}

/** What `writeKubeconfig` puts in the kubeconfig. */
export interface KubeconfigOptions {
  /** Context (and cluster and user) name; default `converge-test`. */
  context?: string;
  namespace?: string;
}

/** One request the server answered, for debugging and assertions. */
export interface ApiRequestRecord {
  method: string;
  path: string;
  query: string;
  status: number;
  /** The request body when it was JSON (DeleteOptions, patches, objects). */
  body?: unknown;
}

/** A running test API server; see startKubeApiServer. */
export interface KubeApiServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly cluster: InMemoryCluster;
  /** Every request so far, in arrival order. */
  readonly requests: readonly ApiRequestRecord[];
  kubeconfigYaml(options?: KubeconfigOptions): string;
  /** Writes `kubeconfigYaml` to `path` (mode 0600) and returns the path. */
  writeKubeconfig(path: string, options?: KubeconfigOptions): string;
  /** Forgets the watch history up to now, so resuming from an older version answers 410. */
  compactHistory(): void;
  /** Ends every watch and closes the server. */
  close(): Promise<void>;
}

/**
 * Serves an InMemoryCluster as a Kubernetes API over plain HTTP on 127.0.0.1, enough for
 * `kubectl`, `helm` (3 and 4) and `@kubernetes/client-node`: discovery (built-in kinds, CRDs and
 * any kind present in the cluster), list/get/create/update/patch/delete with selectors, and
 * watches that resume from a resourceVersion. JSON only; no authentication, admission or garbage
 * collection by owner references. What it approximates is listed in docs/compatibility.md.
 */
export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const cluster = options.cluster ?? new InMemoryCluster({ objects: options.objects ?? [] });
  if (options.cluster && options.objects) for (const o of options.objects) cluster.put(o);
  const now = options.now ?? (() => new Date());
  const objects = new ObjectStoreApi(cluster, now);
  objects.ensureSystemNamespaces();
  const history = new WatchHistory(options.historyLimit ?? 10_000, Number(cluster.resourceVersion));
  const catalog = new ResourceCatalog();
  let catalogVersion = '';
  const refreshCatalog = () => {
    if (catalogVersion === cluster.resourceVersion) return;
    catalogVersion = cluster.resourceVersion;
    const crds = cluster.listSync({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
    });
    for (const crd of crds) {
      const spec = (crd as { spec?: { scope?: string; names?: { kind?: string } } }).spec;
      if (spec?.scope === 'Cluster' && spec.names?.kind && !cluster.isClusterScoped(spec.names.kind))
        cluster.addClusterScopedKind(spec.names.kind);
    }
    catalog.rebuild(crds, cluster.objectTypes());
  };
  const unobserve = cluster.observe((change) => history.record(change));
  const requests: ApiRequestRecord[] = [];
  const watches = new Set<() => void>();
  const version = options.kubernetesVersion ?? '1.33.0';
  let url = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const parsed = new URL(req.url ?? '/', 'http://localhost');
    const record: ApiRequestRecord = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: parsed.search,
      status: 200,
    };
    requests.push(record);
    const reply = (status: number, body: unknown) => {
      record.status = status;
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      const raw = await readBody(req);
      const body = raw.toString('utf8');
      if (body && (req.headers['content-type'] ?? '').includes('json'))
        try {
          record.body = JSON.parse(body);
        } catch {
          // Not JSON after all: the handler answers 400.
        }
      refreshCatalog();
      const path = parsed.pathname.replace(/\/+$/, '') || '/';
      const q = parsed.searchParams;
      const segments = path.split('/').filter((s) => s.length > 0);
      if (path === '/version') return reply(200, versionInfo(version));
      if (path === '/healthz' || path === '/readyz' || path === '/livez') {
        record.status = 200;
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return res.end('ok');
      }
      if (path === '/openapi/v3') return reply(200, openApiRoot(catalog, catalogVersion));
      if (path.startsWith('/openapi/v3/')) {
        const gv = path.slice('/openapi/v3/'.length).split('/');
        const doc =
          gv[0] === 'api'
            ? openApiGroupVersion(catalog, '', gv[1])
            : openApiGroupVersion(catalog, gv[1], gv[2]);
        if (!doc) throw new ApiStatusError('NotFound', 'the server could not find the requested resource');
        return reply(200, doc);
      }
      if (path === '/api') return reply(200, catalog.coreVersions(url.replace(/^http:\/\//, '')));
      if (path === '/apis') return reply(200, catalog.groupList());
      let group: string;
      let apiVersion: string;
      let rest: string[];
      if (segments[0] === 'api' && segments.length >= 2) {
        group = '';
        apiVersion = segments[1];
        rest = segments.slice(2);
      } else if (segments[0] === 'apis' && segments.length >= 2) {
        group = segments[1];
        if (segments.length === 2) {
          const g = catalog.group(group);
          if (!g) throw new ApiStatusError('NotFound', 'the server could not find the requested resource');
          return reply(200, g);
        }
        apiVersion = segments[2];
        rest = segments.slice(3);
      } else {
        throw new ApiStatusError('NotFound', 'the server could not find the requested resource');
      }
      if (!catalog.hasGroupVersion(group, apiVersion))
        throw new ApiStatusError('NotFound', 'the server could not find the requested resource');
      if (rest.length === 0) return reply(200, catalog.resourceList(group, apiVersion));
      const target = resolveTarget(catalog, group, apiVersion, rest);
      const write: WriteOptions = {
        dryRun: q.getAll('dryRun').includes('All'),
        ...(q.get('fieldManager') ? { fieldManager: q.get('fieldManager') as string } : {}),
        ...(req.headers['content-type'] ? { contentType: req.headers['content-type'] } : {}),
      };
      const method = req.method ?? 'GET';
      const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const bodyObject = () => (contentType === PROTOBUF ? decodeProtobufObject(raw) : parseJson(body));
      const writesBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
      if (writesBody && !JSON_BODY.has(contentType) && !(contentType === PROTOBUF && method !== 'PATCH'))
        throw new ApiStatusError(
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: ${[...JSON_BODY].join(', ')}`,
        );
      if (target.name === undefined) {
        const selector = selectorOf(target, q);
        if (method === 'GET' && isTrue(q.get('watch'))) {
          record.status = 200;
          const end = startWatch(
            cluster,
            history,
            {
              selector,
              ...(q.get('resourceVersion') ? { resourceVersion: q.get('resourceVersion') as string } : {}),
              ...(q.get('timeoutSeconds') ? { timeoutSeconds: Number(q.get('timeoutSeconds')) } : {}),
              bookmarks: isTrue(q.get('allowWatchBookmarks')),
            },
            res,
            () => watches.delete(end),
          );
          watches.add(end);
          return;
        }
        if (method === 'GET')
          return reply(200, listPage(target, cluster.listSync(selector), cluster.resourceVersion, q));
        if (method === 'POST')
          return reply(write.dryRun ? 200 : 201, objects.create(target, bodyObject(), write));
        if (method === 'DELETE') {
          const deleted = cluster.listSync(selector).map((o) =>
            objects.delete(
              {
                ...target,
                name: o.metadata.name,
                ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
              },
              write,
            ),
          );
          return reply(200, listOf(target, deleted, cluster.resourceVersion));
        }
      } else {
        if (method === 'GET') return reply(200, objects.get(target));
        if (method === 'PUT') return reply(200, objects.update(target, bodyObject(), write));
        if (method === 'PATCH') {
          const existed = cluster.get(objects.refOf(target)) !== undefined;
          const result = objects.patch(target, body, write);
          return reply(existed || write.dryRun ? 200 : 201, result);
        }
        if (method === 'DELETE') return reply(200, objects.delete(target, write));
      }
      throw new ApiStatusError(
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource`,
      );
    } catch (e) {
      if (res.headersSent) {
        res.end();
        return;
      }
      if (e instanceof ApiStatusError) return reply(e.code, e.toStatus());
      if (e instanceof SelectorSyntaxError)
        return reply(400, new ApiStatusError('BadRequest', e.message).toStatus());
      return reply(500, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason: 'InternalError',
        message: e instanceof Error ? e.message : String(e),
        code: 500,
      });
    }
  };

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigYaml = (o: KubeconfigOptions = {}) => {
    const name = o.context ?? 'converge-test';
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      // client-node refuses plain http unless TLS verification is explicitly off.
      clusters: [{ name, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
      users: [{ name, user: {} }],
      contexts: [{ name, context: { cluster: name, user: name, namespace: o.namespace ?? 'default' } }],
      'current-context': name,
      preferences: {},
    });
  };

  return {
    url,
    cluster,
    requests,
    kubeconfigYaml,
    writeKubeconfig(path, o) {
      writeFileSync(path, kubeconfigYaml(o), { mode: 0o600 });
      return path;
    },
    compactHistory() {
      history.compact(Number(cluster.resourceVersion));
    },
    async close() {
      unobserve();
      for (const end of [...watches]) end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function resolveTarget(
  catalog: ResourceCatalog,
  group: string,
  version: string,
  rest: string[],
): ObjectTarget {
  const unknown = () => new ApiStatusError('NotFound', 'the server could not find the requested resource');
  let namespace: string | undefined;
  let parts = rest;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nested = catalog.byResource(group, version, rest[2]);
    if (nested?.namespaced) {
      namespace = rest[1];
      parts = rest.slice(2);
    }
  }
  const resource = catalog.byResource(group, version, parts[0]);
  if (!resource || parts.length > 3) throw unknown();
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(parts[1] !== undefined ? { name: parts[1] } : {}),
    ...(parts[2] !== undefined ? { subresource: parts[2] } : {}),
  };
}

function selectorOf(t: ObjectTarget, q: URLSearchParams): ResourceSelector {
  const labels = q.get('labelSelector');
  const fields = q.get('fieldSelector');
  return {
    apiVersion: apiVersionOf(t.resource.group, t.resource.version),
    kind: t.resource.kind,
    ...(t.namespace ? { namespaces: [t.namespace] } : {}),
    ...(labels ? { labelSelector: parseLabelSelector(labels) } : {}),
    ...(fields ? { fieldSelector: parseFieldSelector(fields) } : {}),
  };
}

function versionInfo(version: string): unknown {
  const [major, minor] = version.split('.');
  return {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

const JSON_BODY = new Set([
  'application/json',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
  '',
]);

const isTrue = (v: string | null) => v === 'true' || v === '1';

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiStatusError(
      'BadRequest',
      `the request body is not valid JSON: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
