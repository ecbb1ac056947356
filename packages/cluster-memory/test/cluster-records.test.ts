import type { KubeObject } from '@converge/protocol';
import { MemoryEventStore } from '@converge/runtime';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../src/index.js';

const cm = (name: string, data: Record<string, string> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data }) as KubeObject;

describe('InMemoryCluster with store records', () => {
  it('a cluster on the same records starts with the objects, uids and resourceVersions the last one left', () => {
    const { records } = new MemoryEventStore();
    const first = new InMemoryCluster({ records });
    const a = first.put(cm('a', { k: '1' }));
    first.put(cm('a', { k: '2' }));
    const b = first.put({ ...cm('b'), metadata: { name: 'b', generation: 3 } } as KubeObject);

    const second = new InMemoryCluster({ records });
    expect(second.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })).toMatchObject({
      metadata: { uid: a.metadata.uid, resourceVersion: '2', namespace: 'default' },
      data: { k: '2' },
    });
    expect(second.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' })?.metadata).toMatchObject({
      uid: b.metadata.uid,
      generation: 3,
    });
    expect(second.resourceVersion).toBe('3');
  });

  it('resourceVersions and uids keep growing after a restart, deletes included', () => {
    const { records } = new MemoryEventStore();
    const first = new InMemoryCluster({ records });
    const a = first.put(cm('a'));
    first.put(cm('b'));
    first.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' }); // resourceVersion 3, no object left

    const second = new InMemoryCluster({ records });
    expect(second.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' })).toBeUndefined();
    const c = second.put(cm('c'));
    expect(c.metadata.resourceVersion).toBe('4');
    expect(c.metadata.uid).not.toBe(a.metadata.uid);
    expect(new Set([a, c].map((o) => o.metadata.uid)).size).toBe(2);
    expect(second.put(cm('a', { k: 'x' })).metadata).toMatchObject({
      uid: a.metadata.uid,
      resourceVersion: '5',
    });
  });

  it('kinds learned as cluster-scoped stay cluster-scoped after a restart', () => {
    const { records } = new MemoryEventStore();
    const first = new InMemoryCluster({ records });
    first.addClusterScopedKind('ClusterIssuer');
    first.put({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' } });

    const second = new InMemoryCluster({ records });
    expect(second.isClusterScoped('ClusterIssuer')).toBe(true);
    const ref = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', name: 'le' };
    expect(second.get(ref)?.metadata.namespace).toBeUndefined();
    expect(second.remove(ref)).toBe(true);
    expect(new InMemoryCluster({ records }).get(ref)).toBeUndefined();
  });

  it('writes one record per changed object, and none for a write that changes nothing', () => {
    const store = new MemoryEventStore();
    const puts: string[] = [];
    const records = {
      get: (k: string) => store.records.get(k),
      put: (k: string, v: unknown) => {
        puts.push(k);
        store.records.put(k, v);
      },
      delete: (k: string) => store.records.delete(k),
      keys: (p?: string) => store.records.keys(p),
    };
    const cluster = new InMemoryCluster({ records });
    for (let i = 0; i < 50; i++) cluster.put(cm(`o${i}`));
    puts.length = 0;
    cluster.put(cm('o7', { changed: 'yes' }));
    cluster.put(cm('o8'));
    expect(puts).toEqual(['cluster/objects/v1/ConfigMap/default/o7']);
  });
});
