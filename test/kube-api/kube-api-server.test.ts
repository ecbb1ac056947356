import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeCluster, loadKubeConfig } from '@converge/kube';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { widgetCrd } from '../kube/harness.js';

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(...args: Parameters<typeof startKubeApiServer>) {
  server = await startKubeApiServer(...args);
  return server;
}

async function call(method: string, path: string, body?: unknown, contentType = 'application/json') {
  const res = await fetch(`${server!.url}${path}`, {
    method,
    ...(body !== undefined
      ? {
          body: typeof body === 'string' ? body : JSON.stringify(body),
          headers: { 'Content-Type': contentType },
        }
      : {}),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const cm = (name: string, data: Record<string, string> = {}, labels?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});
const CMS = '/api/v1/namespaces/default/configmaps';

/** Reads a watch stream's events until `count` have arrived. */
async function watchEvents(path: string, count: number): Promise<{ type: string; object: any }[]> {
  const controller = new AbortController();
  const res = await fetch(`${server!.url}${path}`, { signal: controller.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const events: { type: string; object: any }[] = [];
  let buffered = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += new TextDecoder().decode(value);
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      events.push(JSON.parse(buffered.slice(0, nl)));
      buffered = buffered.slice(nl + 1);
      nl = buffered.indexOf('\n');
    }
  }
  controller.abort();
  return events;
}

describe('test Kubernetes API server', () => {
  it('serves discovery: core and named groups, resource lists, version, CRD-defined kinds', async () => {
    await start();
    expect((await call('GET', '/version')).body.gitVersion).toBe('v1.33.0');
    expect((await call('GET', '/api')).body.versions).toEqual(['v1']);
    const core = (await call('GET', '/api/v1')).body.resources.map((r: any) => r.name);
    expect(core).toEqual(expect.arrayContaining(['configmaps', 'secrets', 'namespaces', 'pods']));
    let groups = (await call('GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'apiextensions.k8s.io', 'coordination.k8s.io']));
    expect(groups).not.toContain('example.com');
    const crd = widgetCrd();
    expect((await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd)).status).toBe(
      201,
    );
    groups = (await call('GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toContain('example.com');
    const widgets = (await call('GET', '/apis/example.com/v1')).body.resources;
    expect(widgets[0]).toMatchObject({ name: 'widgets', kind: 'Widget', namespaced: true });
    const w = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w1' } };
    expect((await call('POST', '/apis/example.com/v1/namespaces/default/widgets', w)).status).toBe(201);
    // Deleting the definition deletes its objects, as Kubernetes does.
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    expect(
      server!.cluster.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: 'default', name: 'w1' }),
    ).toBe(undefined);
    expect((await call('GET', '/apis/example.com/v1')).status).toBe(404);

    // A resource with a finalizer holds its definition in Terminating until the finalizer goes.
    await call('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', widgetCrd());
    const held = { ...w, metadata: { name: 'held', finalizers: ['example.com/cleanup'] } };
    await call('POST', '/apis/example.com/v1/namespaces/default/widgets', held);
    await call('DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com');
    const terminating = await call(
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com',
    );
    expect(terminating.body.metadata.deletionTimestamp).toBeTruthy();
    expect(terminating.body.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    const widget = await call('GET', '/apis/example.com/v1/namespaces/default/widgets/held');
    expect(widget.body.metadata.deletionTimestamp).toBeTruthy();
    await call(
      'PATCH',
      '/apis/example.com/v1/namespaces/default/widgets/held',
      { metadata: { finalizers: null } },
      'application/merge-patch+json',
    );
    expect((await call('GET', '/apis/example.com/v1/namespaces/default/widgets/held')).status).toBe(404);
    expect(
      (await call('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com'))
        .status,
    ).toBe(404);
  });

  it('creates, reads, updates and deletes with the API server rules and Status errors', async () => {
    await start();
    const created = await call('POST', CMS, cm('a', { k: 'v' }));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'a', namespace: 'default', generation: 1 });
    expect(created.body.metadata.uid).toBeTruthy();
    const again = await call('POST', CMS, cm('a'));
    expect(again).toMatchObject({
      status: 409,
      body: { kind: 'Status', reason: 'AlreadyExists', message: 'configmaps "a" already exists', code: 409 },
    });
    const missingNs = await call('POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'));
    expect(missingNs.body).toMatchObject({ reason: 'NotFound', message: 'namespaces "nowhere" not found' });
    const stale = { ...created.body, data: { k: 'v2' } };
    expect((await call('PUT', `${CMS}/a`, stale)).status).toBe(200);
    const conflict = await call('PUT', `${CMS}/a`, { ...stale, data: { k: 'v3' } });
    expect(conflict.body.reason).toBe('Conflict');
    const merged = await call(
      'PATCH',
      `${CMS}/a`,
      { data: { k: null, m: '1' } },
      'application/merge-patch+json',
    );
    expect(merged.body.data).toEqual({ m: '1' });
    const jsonPatched = await call(
      'PATCH',
      `${CMS}/a`,
      [{ op: 'add', path: '/data/j', value: '2' }],
      'application/json-patch+json',
    );
    expect(jsonPatched.body.data).toEqual({ m: '1', j: '2' });
    expect((await call('GET', `${CMS}/a`)).body.metadata.uid).toBe(created.body.metadata.uid);
    expect((await call('DELETE', `${CMS}/a`)).status).toBe(200);
    expect((await call('GET', `${CMS}/a`)).body).toMatchObject({
      reason: 'NotFound',
      message: 'configmaps "a" not found',
    });
    expect((await call('PATCH', `${CMS}/a`, {}, 'text/plain')).status).toBe(415);
  });

  it('lists with label and field selectors across namespaces', async () => {
    await start();
    await call('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'other' },
    });
    await call('POST', CMS, cm('a', {}, { app: 'x', tier: 'web' }));
    await call('POST', CMS, cm('b', {}, { app: 'y' }));
    await call('POST', '/api/v1/namespaces/other/configmaps', cm('c', {}, { app: 'x' }));
    const names = async (query: string, path = '/api/v1/configmaps') =>
      (await call('GET', `${path}?${query}`)).body.items.map(
        (o: any) => `${o.metadata.namespace}/${o.metadata.name}`,
      );
    expect(await names('labelSelector=app%3Dx')).toEqual(['default/a', 'other/c']);
    expect(await names('labelSelector=app%20in%20(x%2Cy)%2C!tier')).toEqual(['default/b', 'other/c']);
    expect(await names('labelSelector=app!%3Dx')).toEqual(['default/b']);
    expect(await names('fieldSelector=metadata.name%3Db')).toEqual(['default/b']);
    expect(await names('labelSelector=app%3Dx', CMS)).toEqual(['default/a']);
    expect((await call('GET', '/api/v1/configmaps?labelSelector=a%3D%3D%3Db')).status).toBe(400);
  });

  it('watches resume from a list resourceVersion, follow selectors, and answer 410 when too old', async () => {
    await start();
    await call('POST', CMS, cm('a', {}, { app: 'x' }));
    const list = await call('GET', `${CMS}?labelSelector=app%3Dx`);
    const rv = list.body.metadata.resourceVersion;
    // Written after the list, before the watch starts: the watch must still deliver them.
    await call('POST', CMS, cm('b', {}, { app: 'x' }));
    await call('PATCH', `${CMS}/a`, { metadata: { labels: { app: 'y' } } }, 'application/merge-patch+json');
    await call('DELETE', `${CMS}/b`);
    const events = await watchEvents(`${CMS}?watch=true&labelSelector=app%3Dx&resourceVersion=${rv}`, 3);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      'ADDED b',
      'DELETED a',
      'DELETED b',
    ]);
    const versions = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...versions].sort((x, y) => x - y)).toEqual(versions);
    server!.compactHistory();
    const gone = await call('GET', `${CMS}?watch=true&resourceVersion=${rv}`);
    expect(gone).toMatchObject({ status: 410, body: { reason: 'Expired' } });
    // Without a resourceVersion a watch starts with every current object as ADDED.
    const initial = await watchEvents(`${CMS}?watch=1`, 1);
    expect(initial[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'a' } } });
  });

  it('keeps an object with finalizers until they are removed', async () => {
    await start();
    await call('POST', CMS, { ...cm('f'), metadata: { name: 'f', finalizers: ['example.com/cleanup'] } });
    const deleting = await call('DELETE', `${CMS}/f`);
    expect(deleting.body.metadata.deletionTimestamp).toBeTruthy();
    expect((await call('GET', `${CMS}/f`)).status).toBe(200);
    await call('PATCH', `${CMS}/f`, { metadata: { finalizers: null } }, 'application/merge-patch+json');
    expect((await call('GET', `${CMS}/f`)).status).toBe(404);
  });

  it('merges strategic patches by merge key and applies configurations three-way', async () => {
    await start();
    const deploy = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        template: {
          spec: {
            containers: [
              { name: 'a', image: 'a:1' },
              { name: 'b', image: 'b:1' },
            ],
          },
        },
      },
    };
    await call('POST', '/apis/apps/v1/namespaces/default/deployments', deploy);
    const patched = await call(
      'PATCH',
      '/apis/apps/v1/namespaces/default/deployments/web',
      { spec: { template: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } } },
      'application/strategic-merge-patch+json',
    );
    expect(patched.body.spec.template.spec.containers).toEqual([
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:2' },
    ]);
    const apply = (data: Record<string, string>) =>
      call(
        'PATCH',
        `${CMS}/applied?fieldManager=helm&force=true`,
        JSON.stringify(cm('applied', data)),
        'application/apply-patch+yaml',
      );
    expect((await apply({ one: '1', two: '2' })).status).toBe(201);
    await call('PATCH', `${CMS}/applied`, { data: { other: 'x' } }, 'application/merge-patch+json');
    const second = await apply({ one: '1' });
    expect(second.body.data).toEqual({ one: '1', other: 'x' });
  });

  it('pages lists with limit and continue; KubeCluster reads every page', async () => {
    await start();
    for (let i = 0; i < 1203; i++)
      server!.cluster.put({
        ...cm(`cm-${String(i).padStart(4, '0')}`),
        metadata: { name: `cm-${String(i).padStart(4, '0')}`, namespace: 'default' },
      });
    const first = await call('GET', `${CMS}?limit=500`);
    expect(first.body.items).toHaveLength(500);
    expect(first.body.metadata.remainingItemCount).toBe(703);
    const second = await call('GET', `${CMS}?limit=500&continue=${first.body.metadata.continue}`);
    expect(second.body.items[0].metadata.name).toBe('cm-0500');
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const last = await call('GET', `${CMS}?limit=500&continue=${second.body.metadata.continue}`);
    expect(last.body.items).toHaveLength(203);
    expect(last.body.metadata.continue).toBeUndefined();
    expect((await call('GET', `${CMS}?limit=5&continue=garbage`)).status).toBe(400);
    const dir = mkdtempSync(join(tmpdir(), 'converge-paging-'));
    try {
      const kube = new KubeCluster(
        loadKubeConfig({ kubeconfig: server!.writeKubeconfig(join(dir, 'kubeconfig')) }),
      );
      const listed = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' });
      expect(listed).toHaveLength(1203);
      expect(
        server!.requests.filter((r) => r.path === '/api/v1/configmaps' && r.query.includes('limit=')).length,
      ).toBe(3);
      kube.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
