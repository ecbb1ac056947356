import { join } from 'node:path';
import { type ClusterStore, InMemoryCluster } from '@converge/cluster-memory';
import type { KubeObject, WatchEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryReleaseStore, type InMemoryReleaseStoreOptions, manifestChecksum } from '../src/index.js';
import { FIXTURES, helmBinaries, tempDir, writeTree } from './helpers.js';

const NS = 'converge';
const cm = (name: string, extra = '') =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${extra}`;

function setup(charts: Record<string, string>, extra: Partial<InMemoryReleaseStoreOptions> = {}) {
  const cluster = new InMemoryCluster();
  const calls: string[] = [];
  const store = new InMemoryReleaseStore({
    cluster,
    namespace: NS,
    charts: (module) => {
      calls.push(module);
      return charts[module];
    },
    env: { PATH: '' },
    searchFrom: '/',
    ...extra,
  });
  return { cluster, store, calls };
}

async function install(store: InMemoryReleaseStore, module: string, values = {}) {
  const rendered = await store.render(module, values);
  const info = await store.upgrade(module, values, { checksum: rendered.checksum, labels: {}, rendered });
  return { rendered, info };
}

const basic = join(FIXTURES, 'basic');

describe('InMemoryReleaseStore', () => {
  it('install creates revision 1, deployed, with the moduleChecksum label and the objects (store side of AO-53)', async () => {
    const { cluster, store } = setup({ basic });
    expect(await store.status('basic')).toBeUndefined();
    const rendered = await store.render('basic', {});
    const info = await store.upgrade(
      'basic',
      {},
      {
        checksum: rendered.checksum,
        labels: { 'maintenance.deckhouse.io/no-resource-reconciliation': 'false' },
        rendered,
      },
    );
    expect(info).toEqual({
      name: 'basic',
      namespace: NS,
      revision: 1,
      status: 'deployed',
      checksum: rendered.checksum,
      labels: {
        'maintenance.deckhouse.io/no-resource-reconciliation': 'false',
        moduleChecksum: rendered.checksum,
        'converge.io/owner': 'converge',
      },
      owned: true,
    });
    expect(rendered.checksum).toBe(manifestChecksum(rendered.manifest));
    expect(await store.status('basic')).toEqual(info);
    expect(store.releases()).toEqual([
      { name: 'basic', namespace: NS, revision: 1, status: 'deployed', checksum: rendered.checksum },
    ]);
    expect(store.manifest('basic')).toBe(rendered.manifest);
    // namespaced kinds land in the release namespace, cluster-scoped ones have none
    expect(
      cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' }),
    ).toBeDefined();
    expect(
      cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'alpha' })?.metadata.namespace,
    ).toBe(NS);
    const role = cluster.get({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      name: 'basic-reader',
    });
    expect(role?.metadata.namespace).toBeUndefined();
    expect(cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'basic-extra' })).toBeDefined();
    expect(
      cluster.get({ apiVersion: 'example.com/v1', kind: 'Widget', namespace: NS, name: 'w1' }),
    ).toBeDefined();
  });

  it('resolves an upgrade only after every watcher has seen the objects (read-your-writes)', async () => {
    const { cluster, store } = setup({ basic });
    const seen: WatchEvent[] = [];
    cluster.watch({ kind: 'ConfigMap' }, (event) => seen.push(event));
    await install(store, 'basic');
    expect(seen.map((e) => `${e.type} ${e.object.metadata.name}`).sort()).toEqual([
      'Added alpha',
      'Added from-first-file',
      'Added zeta',
    ]);
  });

  it('an explicit namespace in the manifest is kept', async () => {
    const dir = writeTree(tempDir(), {
      'templates/a.yaml': cm('elsewhere').replace('metadata:\n', 'metadata:\n  namespace: other\n'),
    });
    const { cluster, store } = setup({ mod: dir });
    await install(store, 'mod');
    expect(
      cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'elsewhere' }),
    ).toBeDefined();
    expect(
      cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'elsewhere' }),
    ).toBeUndefined();
  });

  it('upgrades bump the revision, update the checksum and delete objects no longer rendered (store side of AO-50)', async () => {
    const dir = writeTree(tempDir(), { 'templates/a.yaml': `${cm('keep')}---\n${cm('drop')}` });
    const { cluster, store } = setup({ mod: dir });
    const first = await install(store, 'mod');
    const again = await install(store, 'mod');
    expect(again.info.revision).toBe(2);
    expect(again.info.checksum).toBe(first.info.checksum);

    writeTree(dir, { 'templates/a.yaml': cm('keep', 'data:\n  v: "2"\n') });
    const changed = await install(store, 'mod');
    expect(changed.info.revision).toBe(3);
    expect(changed.info.checksum).not.toBe(first.info.checksum);
    expect(changed.info.labels?.moduleChecksum).toBe(changed.rendered.checksum);
    expect(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'drop' })).toBeUndefined();
    expect(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'keep' })).toMatchObject({
      data: { v: '2' },
    });
  });

  it('upgrade renders itself when no rendered result is passed, and reuses one that is', async () => {
    const { store, calls } = setup({ basic });
    const rendered = await store.render('basic', {});
    expect(calls).toEqual(['basic']);
    await store.upgrade('basic', {}, { checksum: rendered.checksum, labels: {}, rendered });
    expect(calls).toEqual(['basic']);
    await store.upgrade('basic', {}, { checksum: rendered.checksum, labels: {} });
    expect(calls).toEqual(['basic', 'basic']);
  });

  it('uninstall deletes the objects and the release; a missing release is helm’s not-found error', async () => {
    const { cluster, store } = setup({ basic });
    await install(store, 'basic');
    await store.uninstall('basic');
    expect(await store.status('basic')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(cluster.listSync({ kind: 'ConfigMap' })).toEqual([]);
    expect(cluster.get({ apiVersion: 'v1', kind: 'Namespace', name: 'basic-extra' })).toBeUndefined();
    await expect(store.uninstall('basic')).rejects.toThrow(
      'uninstall: Release not loaded: basic: release: not found',
    );
  });

  it('list returns the release names of the namespace, sorted; releases() summarises all', async () => {
    const { store } = setup(
      { basic },
      {
        releases: [
          { name: 'zz', revision: 4, status: 'failed', checksum: 'c1' },
          { name: 'b', revision: 1, status: 'deployed' },
          { name: 'other-ns', namespace: 'elsewhere', revision: 2, status: 'deployed' },
        ],
      },
    );
    await install(store, 'basic');
    expect(await store.list()).toEqual(['b', 'basic', 'zz']);
    expect(store.releases().map((r) => `${r.name}:${r.revision}:${r.status}:${r.checksum}`)).toEqual([
      'b:1:deployed:undefined',
      'basic:1:deployed:' + (await store.status('basic'))?.checksum,
      'other-ns:2:deployed:undefined',
      'zz:4:failed:c1',
    ]);
    expect(await store.status('zz')).toMatchObject({
      revision: 4,
      status: 'failed',
      labels: { moduleChecksum: 'c1' },
    });
  });

  it('upgrading a seeded release continues its revisions and deletes objects of its old manifest', async () => {
    const dir = writeTree(tempDir(), { 'templates/a.yaml': cm('new') });
    const oldManifest = `---\n# Source: mod/templates/a.yaml\n${cm('old')}`;
    const cluster = new InMemoryCluster({
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old', namespace: NS } }],
    });
    const store = new InMemoryReleaseStore({
      cluster,
      namespace: NS,
      charts: () => dir,
      releases: [{ name: 'mod', revision: 7, status: 'deployed', checksum: 'x', manifest: oldManifest }],
    });
    const { info } = await install(store, 'mod');
    expect(info.revision).toBe(8);
    expect(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'old' })).toBeUndefined();
    expect(cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'new' })).toBeDefined();
  });

  it('a chart object deleted from the cluster shows up in absentResources (store side of AO-52, AO-64)', async () => {
    const { cluster, store } = setup({ basic });
    const { rendered } = await install(store, 'basic');
    expect(await store.absentResources('basic', rendered)).toEqual([]);
    cluster.remove({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' });
    cluster.remove({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'basic-reader' });
    expect(await store.absentResources('basic', rendered)).toEqual([
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'basic-reader' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: NS, name: 'web' },
    ]);
    await install(store, 'basic');
    expect(await store.absentResources('basic', rendered)).toEqual([]);
  });

  it('failNext makes the next call of that operation reject once', async () => {
    const { store } = setup({ basic });
    store.failNext('upgrade', 'UPGRADE FAILED: boom');
    store.failNext('render', 'render boom');
    await expect(store.upgrade('basic', {}, { checksum: 'c', labels: {} })).rejects.toThrow(
      'UPGRADE FAILED: boom',
    );
    expect(await store.status('basic')).toBeUndefined();
    await expect(store.render('basic', {})).rejects.toThrow('render boom');
    const { rendered } = await install(store, 'basic');
    for (const operation of ['status', 'list', 'uninstall', 'absentResources'] as const) {
      store.failNext(operation, `${operation} boom`);
    }
    await expect(store.status('basic')).rejects.toThrow('status boom');
    await expect(store.list()).rejects.toThrow('list boom');
    await expect(store.uninstall('basic')).rejects.toThrow('uninstall boom');
    await expect(store.absentResources('basic', rendered)).rejects.toThrow('absentResources boom');
    expect(await store.status('basic')).toMatchObject({ revision: 1, status: 'deployed' });
  });

  it('a failed apply records a failed revision and rejects (store side of AO-51)', async () => {
    class FlakyCluster extends InMemoryCluster {
      override put(object: KubeObject): KubeObject {
        if (object.metadata.name === 'zeta') throw new Error('admission webhook denied zeta');
        return super.put(object);
      }
    }
    const cluster: ClusterStore = new FlakyCluster();
    const store = new InMemoryReleaseStore({ cluster, namespace: NS, charts: () => basic });
    await expect(install(store, 'basic')).rejects.toThrow('admission webhook denied zeta');
    expect(await store.status('basic')).toMatchObject({ revision: 1, status: 'failed' });
  });

  it('objects without kind or name fail the upgrade like helm, without a release', async () => {
    const dir = writeTree(tempDir(), { 'templates/a.yaml': 'apiVersion: v1\nmetadata:\n  name: nokind\n' });
    const { store } = setup({ mod: dir });
    await expect(install(store, 'mod')).rejects.toThrow(/unable to build kubernetes objects.*kind not set/);
    expect(await store.status('mod')).toBeUndefined();
  });

  it('kinds a CRD declares cluster-scoped are stored without a namespace', async () => {
    const { cluster, store } = setup({ crds: join(FIXTURES, 'crds') });
    await install(store, 'crds');
    expect(
      cluster.get({ apiVersion: 'example.com/v1', kind: 'ClusterThing', name: 'the-thing' }),
    ).toMatchObject({
      metadata: { name: 'the-thing' },
    });
    expect(
      cluster.get({ apiVersion: 'example.com/v1', kind: 'ClusterThing', name: 'the-thing' })?.metadata
        .namespace,
    ).toBeUndefined();
    expect(
      cluster.get({ apiVersion: 'example.com/v1', kind: 'LocalThing', namespace: NS, name: 'local-thing' }),
    ).toBeDefined();
    // crds/ of a chart is not installed by helm (SkipCRDs)
    expect(
      cluster.get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: 'ignored.example.com',
      }),
    ).toBeUndefined();
  });

  it('a templated chart goes through the real helm with the chart values', async () => {
    const { cluster, store } = setup(
      { templated: join(FIXTURES, 'templated') },
      { helm: helmBinaries()[3], env: process.env },
    );
    const values = { global: {}, templated: { name: 'rendered-by-helm', replicas: 2 } };
    const { info } = await install(store, 'templated', values);
    expect(info.revision).toBe(1);
    const object = cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: NS,
      name: 'rendered-by-helm',
    });
    expect(object).toMatchObject({
      metadata: { labels: { 'app.kubernetes.io/instance': 'templated' } },
      data: { replicas: '2', global: 'none' },
    });
  });

  it('render rejects for a module without a chart', async () => {
    const { store } = setup({});
    await expect(store.render('nochart', {})).rejects.toThrow('module nochart has no helm chart');
  });
});
