import { KubeCluster, KubeConnectionError, loadKubeConfig, UnknownKindError } from '@converge/kube';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cm, type KubeRig, ns, startRig, widgetCrd } from './harness.js';

const deployment = (name: string, namespace: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace, labels },
  spec: { replicas: 1 },
});

const SEED: KubeObject[] = [
  ns('team-a', { team: 'a', env: 'prod' }),
  ns('team-b', { team: 'b', env: 'dev' }),
  ns('team-c', { team: 'c' }),
  cm('web', 'team-a', { app: 'web', tier: 'front' }, { mode: 'fast' }),
  cm('db', 'team-a', { app: 'db', tier: 'back' }, { mode: 'slow' }),
  cm('web', 'team-b', { app: 'web', tier: 'front' }),
  cm('cache', 'team-b', { app: 'cache' }),
  cm('orphan', 'team-c'),
  cm('settings', 'default', { app: 'web' }),
  deployment('web', 'team-a', { app: 'web' }),
  deployment('api', 'team-b', { app: 'api' }),
];

/** Selector cases: the in-memory result and the KubeCluster result must both equal `expect`. */
const CASES: { title: string; selector: ResourceSelector; expect: string[] }[] = [
  {
    title: 'a kind in every namespace, sorted by namespace then name',
    selector: { apiVersion: 'v1', kind: 'ConfigMap' },
    expect: ['default/settings', 'team-a/db', 'team-a/web', 'team-b/cache', 'team-b/web', 'team-c/orphan'],
  },
  {
    title: 'no apiVersion, plural lower-case kind',
    selector: { kind: 'configmaps', namespaces: ['team-a'] },
    expect: ['team-a/db', 'team-a/web'],
  },
  {
    title: 'no apiVersion, a kind of a named group',
    selector: { kind: 'Deployment' },
    expect: ['team-a/web', 'team-b/api'],
  },
  {
    title: 'namespaces list',
    selector: { apiVersion: 'v1', kind: 'ConfigMap', namespaces: ['team-b', 'team-c'] },
    expect: ['team-b/cache', 'team-b/web', 'team-c/orphan'],
  },
  {
    title: 'names (several, client-side)',
    selector: { apiVersion: 'v1', kind: 'ConfigMap', names: ['web', 'orphan'] },
    expect: ['team-a/web', 'team-b/web', 'team-c/orphan'],
  },
  {
    title: 'one name (server-side metadata.name)',
    selector: { apiVersion: 'v1', kind: 'ConfigMap', names: ['db'] },
    expect: ['team-a/db'],
  },
  {
    title: 'labelSelector matchLabels',
    selector: { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: { matchLabels: { app: 'web' } } },
    expect: ['default/settings', 'team-a/web', 'team-b/web'],
  },
  {
    title: 'labelSelector expressions In, NotIn, Exists, DoesNotExist',
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      labelSelector: {
        matchExpressions: [
          { key: 'app', operator: 'In', values: ['web', 'db', 'cache'] },
          { key: 'tier', operator: 'NotIn', values: ['back'] },
          { key: 'app', operator: 'Exists' },
          { key: 'owner', operator: 'DoesNotExist' },
        ],
      },
    },
    expect: ['default/settings', 'team-a/web', 'team-b/cache', 'team-b/web'],
  },
  {
    title: 'labelSelector In with no values selects nothing',
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      labelSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] },
    },
    expect: [],
  },
  {
    title: 'fieldSelector on metadata (server-side) and on data (client-side)',
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      fieldSelector: {
        matchExpressions: [
          { field: 'metadata.namespace', operator: '=', value: 'team-a' },
          { field: 'data.mode', operator: '!=', value: 'slow' },
        ],
      },
    },
    expect: ['team-a/web'],
  },
  {
    title: 'namespaceLabelSelector',
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespaceLabelSelector: { matchExpressions: [{ key: 'env', operator: 'Exists' }] },
    },
    expect: ['team-a/db', 'team-a/web', 'team-b/cache', 'team-b/web'],
  },
  {
    title: 'namespaceLabelSelector with namespaces and labels',
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespaces: ['team-a', 'team-c'],
      namespaceLabelSelector: { matchLabels: { env: 'prod' } },
      labelSelector: { matchLabels: { tier: 'front' } },
    },
    expect: ['team-a/web'],
  },
  {
    title: 'a cluster-scoped kind with a label selector',
    selector: { apiVersion: 'v1', kind: 'Namespace', labelSelector: { matchLabels: { team: 'b' } } },
    expect: ['/team-b'],
  },
  {
    title: 'a wrong apiVersion selects nothing',
    selector: { apiVersion: 'v1', kind: 'Deployment' },
    expect: [],
  },
];

const names = (objects: KubeObject[]) =>
  objects.map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('KubeCluster.list ≡ InMemoryCluster.listSync', () => {
  let rig: KubeRig;
  beforeAll(async () => {
    rig = await startRig(SEED);
  });
  afterAll(() => rig.close());

  for (const c of CASES.filter((c) => c.title !== 'a wrong apiVersion selects nothing')) {
    it(c.title, async () => {
      const inMemory = rig.server.cluster.listSync(c.selector);
      const viaApi = await rig.kube.list(c.selector);
      expect(names(inMemory)).toEqual(c.expect);
      expect(viaApi).toEqual(inMemory);
    });
  }

  it('a kind the server does not serve in that apiVersion is an UnknownKindError', async () => {
    expect(rig.server.cluster.listSync({ apiVersion: 'v1', kind: 'Deployment' })).toEqual([]);
    const error = await rig.kube.list({ apiVersion: 'v1', kind: 'Deployment' }).catch((e) => e);
    expect(error).toBeInstanceOf(UnknownKindError);
    expect(error.message).toBe(`the API server at ${rig.server.url} serves no kind "Deployment" in v1`);
  });

  it('an unknown kind names the kind and says no group serves it', async () => {
    const error = await rig.kube.list({ kind: 'Gadget' }).catch((e) => e);
    expect(error).toBeInstanceOf(UnknownKindError);
    expect(error.message).toMatch(/serves no kind "Gadget" in any API group/);
  });

  it('list items carry apiVersion and kind, and the objects the server stored', async () => {
    const [object] = await rig.kube.list({ apiVersion: 'apps/v1', kind: 'Deployment', names: ['api'] });
    expect(object).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas: 1 } });
    const stored = rig.server.cluster.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'team-b',
      name: 'api',
    });
    expect(object.metadata.uid).toBeDefined();
    expect(object).toEqual(stored);
  });

  it('narrows on the server: namespace paths, label and metadata field selectors', async () => {
    const before = rig.server.requests.length;
    await rig.kube.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespaces: ['team-a'],
      names: ['web'],
      labelSelector: {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['x'] }],
      },
    });
    const lists = rig.server.requests.slice(before).filter((r) => r.path.endsWith('/configmaps'));
    expect(lists).toHaveLength(1);
    expect(lists[0].path).toBe('/api/v1/namespaces/team-a/configmaps');
    const query = new URLSearchParams(lists[0].query);
    expect(query.get('labelSelector')).toBe('app=web,tier notin (x)');
    expect(query.get('fieldSelector')).toBe('metadata.name=web');
  });

  it('discovers again on a miss: a kind defined by a CRD created at run time', async () => {
    await expect(rig.kube.list({ apiVersion: 'example.com/v1', kind: 'Widget' })).rejects.toBeInstanceOf(
      UnknownKindError,
    );
    rig.server.cluster.put(widgetCrd());
    rig.server.cluster.put({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'team-a' },
    });
    expect(names(await rig.kube.list({ apiVersion: 'example.com/v1', kind: 'Widget' }))).toEqual([
      'team-a/w1',
    ]);
    expect(names(await rig.kube.list({ kind: 'widget' }))).toEqual(['team-a/w1']);
  });
});

describe('KubeCluster errors', () => {
  it('an unreachable server is a KubeConnectionError naming the server and the cause', async () => {
    const rig = await startRig();
    const url = rig.server.url;
    const kubeconfig = rig.kubeconfig;
    await rig.close();
    const kube = new KubeCluster(loadKubeConfig({ kubeconfig }));
    const error = await kube.list({ apiVersion: 'v1', kind: 'ConfigMap' }).catch((e) => e);
    expect(error).toBeInstanceOf(KubeConnectionError);
    expect(error.message).toContain(`cannot reach the API server at ${url}`);
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});
