import { InMemoryCluster } from '@converge/cluster-memory';
import { MemoryEventStore } from '@converge/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryReleaseStore } from '../src/index.js';
import { tempDir, writeTree } from './helpers.js';

const NS = 'converge';

function open(records: MemoryEventStore['records'], chartDir: string) {
  const cluster = new InMemoryCluster({ records });
  const releases = new InMemoryReleaseStore({
    cluster,
    namespace: NS,
    charts: () => chartDir,
    env: { PATH: '' },
    searchFrom: '/',
    records,
  });
  return { cluster, releases };
}

describe('InMemoryReleaseStore with store records', () => {
  it('a store on the same records has the releases with revision, status, labels and manifest', async () => {
    const chart = writeTree(tempDir(), {
      'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
      'templates/role.yaml':
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: app\n',
    });
    const { records } = new MemoryEventStore();
    const first = open(records, chart);
    const rendered = await first.releases.render('app', {});
    await first.releases.upgrade('app', {}, { checksum: rendered.checksum, labels: { team: 'a' }, rendered });
    await first.releases.upgrade('app', {}, { checksum: rendered.checksum, labels: { team: 'a' }, rendered });

    const second = open(records, chart);
    const status = await second.releases.status('app');
    expect(status).toEqual(await first.releases.status('app'));
    expect(status).toMatchObject({
      name: 'app',
      namespace: NS,
      revision: 2,
      status: 'deployed',
      checksum: rendered.checksum,
      labels: { team: 'a', moduleChecksum: rendered.checksum },
    });
    expect(second.releases.manifest('app')).toBe(rendered.manifest);
    expect(await second.releases.list()).toEqual(['app']);
    expect(await second.releases.absentResources('app', rendered)).toEqual([]);

    // The restored manifest says which objects an uninstall removes.
    await second.releases.uninstall('app');
    const third = open(records, chart);
    expect(third.releases.releases()).toEqual([]);
    expect(third.cluster.listSync({ kind: 'ConfigMap' })).toEqual([]);
    expect(third.cluster.listSync({ kind: 'ClusterRole' })).toEqual([]);
  });

  it('a failed upgrade is remembered as failed', async () => {
    const chart = writeTree(tempDir(), {
      'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
    });
    const { records } = new MemoryEventStore();
    const first = open(records, chart);
    const rendered = await first.releases.render('app', {});
    const broken = {
      ...rendered,
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }],
    };
    // A cluster that refuses the write fails the upgrade after the release is recorded.
    first.cluster.put = () => {
      throw new Error('admission webhook denied the request');
    };
    await expect(
      first.releases.upgrade('app', {}, { checksum: rendered.checksum, labels: {}, rendered: broken }),
    ).rejects.toThrow('denied');
    const second = open(records, chart);
    expect(second.releases.releases()).toMatchObject([{ name: 'app', revision: 1, status: 'failed' }]);
  });
});
