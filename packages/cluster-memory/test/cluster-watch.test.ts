import type { KubeObject, ResourceSelector, WatchEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../src/index.js';

function cm(
  name: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = {},
  namespace?: string,
) {
  const metadata: KubeObject['metadata'] = { name, labels };
  if (namespace) metadata.namespace = namespace;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data } as KubeObject;
}

function ns(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function record(cluster: InMemoryCluster, selector: ResourceSelector) {
  const events: WatchEvent[] = [];
  const stop = cluster.watch(selector, (e) => events.push(e));
  const seen = () =>
    events.map((e) => `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`);
  return { events, seen, stop };
}

describe('InMemoryCluster objects', () => {
  it('put assigns a uid, a resourceVersion and the default namespace', () => {
    const c = new InMemoryCluster();
    const stored = c.put(cm('a'));
    expect(stored.metadata.namespace).toBe('default');
    expect(stored.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored.metadata.resourceVersion).toBe('1');
    expect(c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })).toEqual(stored);
    expect(c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a' })).toEqual(stored);
    expect(c.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'a' })).toBeUndefined();
  });

  it('uids come from the injected generator and stay across replacements', () => {
    let n = 0;
    const c = new InMemoryCluster({ generateUid: () => `uid-${++n}` });
    expect(c.put(cm('a')).metadata.uid).toBe('uid-1');
    expect(c.put(cm('b')).metadata.uid).toBe('uid-2');
    expect(c.put(cm('a', { v: '2' })).metadata.uid).toBe('uid-1');
  });

  it('resourceVersion increases monotonically across objects, updates and deletes', () => {
    const c = new InMemoryCluster();
    const versions = [
      c.put(cm('a')).metadata.resourceVersion,
      c.put(cm('b')).metadata.resourceVersion,
      c.put(cm('a', { x: '1' })).metadata.resourceVersion,
    ];
    c.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'b' });
    versions.push(c.put(cm('b')).metadata.resourceVersion);
    const numbers = versions.map(Number);
    expect(numbers).toEqual([...numbers].sort((x, y) => x - y));
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(c.resourceVersion).toBe(versions.at(-1));
  });

  it('a write that changes nothing keeps the resourceVersion', () => {
    const c = new InMemoryCluster();
    const first = c.put(cm('a', { x: '1' }));
    expect(c.put(cm('a', { x: '1' })).metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(c.put(first).metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('cluster-scoped kinds have no namespace, and the list can be extended', () => {
    const c = new InMemoryCluster({ clusterScopedKinds: ['ClusterIssuer'] });
    expect(c.put(ns('prod')).metadata.namespace).toBeUndefined();
    const issuer = c.put({
      apiVersion: 'cert-manager.io/v1',
      kind: 'ClusterIssuer',
      metadata: { name: 'le', namespace: 'x' },
    });
    expect(issuer.metadata.namespace).toBeUndefined();
    c.addClusterScopedKind('Tenant');
    expect(
      c.put({ apiVersion: 'example.io/v1', kind: 'Tenant', metadata: { name: 't' } }).metadata.namespace,
    ).toBeUndefined();
    expect(c.isClusterScoped('node')).toBe(true);
    expect(c.isClusterScoped('ConfigMap')).toBe(false);
  });

  it('returns copies: mutating a result does not change the cluster', async () => {
    const c = new InMemoryCluster();
    const stored = c.put(cm('a', { x: '1' }));
    stored.metadata.labels!.x = 'changed';
    const got = c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })!;
    got.metadata.labels!.x = 'changed';
    (await c.list({ kind: 'ConfigMap' }))[0].metadata.labels!.x = 'changed';
    expect(c.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })!.metadata.labels).toEqual({ x: '1' });
  });

  it('remove reports whether the object existed; put rejects objects without identity', () => {
    const c = new InMemoryCluster({ objects: [cm('a')] });
    expect(c.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })).toBe(true);
    expect(c.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' })).toBe(false);
    expect(() => c.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } })).toThrow(
      /metadata.name/,
    );
  });
});

describe('InMemoryCluster watch', () => {
  it('delivers asynchronously, in order, and quiesce waits for delivery', async () => {
    const c = new InMemoryCluster();
    const w = record(c, { kind: 'ConfigMap' });
    c.put(cm('a'));
    c.put(cm('a', { x: '1' }));
    c.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' });
    expect(w.events).toEqual([]);
    await c.quiesce();
    expect(w.seen()).toEqual(['Added default/a', 'Modified default/a', 'Deleted default/a']);
    const versions = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions).toEqual([1, 2, 3]);
  });

  it('quiesce resolves immediately when idle and covers changes made by watchers', async () => {
    const c = new InMemoryCluster();
    await c.quiesce();
    const seen: string[] = [];
    c.watch({ kind: 'ConfigMap' }, (e) => {
      seen.push(e.object.metadata.name);
      if (e.object.metadata.name === 'a') c.put(cm('b'));
    });
    c.put(cm('a'));
    await c.quiesce();
    expect(seen).toEqual(['a', 'b']);
  });

  it('streams only changes after watch() and stops after unsubscribe', async () => {
    const c = new InMemoryCluster({ objects: [cm('old')] });
    const w = record(c, { kind: 'ConfigMap' });
    c.put(cm('new'));
    w.stop();
    c.put(cm('later'));
    await c.quiesce();
    expect(w.seen()).toEqual([]);
    const w2 = record(c, { kind: 'ConfigMap' });
    c.put(cm('old', { touched: 'yes' }));
    await c.quiesce();
    expect(w2.seen()).toEqual(['Modified default/old']);
  });

  it('an object entering a label selector is Added, leaving it is Deleted', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { app: 'web' })] });
    const w = record(c, { kind: 'ConfigMap', labelSelector: { matchLabels: { app: 'web' } } });
    c.put(cm('a', { app: 'db' }));
    c.put(cm('a', { app: 'db', v: '2' }));
    c.put(cm('a', { app: 'web' }));
    c.put(cm('a', { app: 'web' }, { k: 'v' }));
    c.remove({ apiVersion: 'v1', kind: 'ConfigMap', name: 'a' });
    await c.quiesce();
    expect(w.seen()).toEqual([
      'Deleted default/a',
      'Added default/a',
      'Modified default/a',
      'Deleted default/a',
    ]);
    // Leaving reports the last matching content with the resourceVersion of the change.
    expect(w.events[0].object.metadata.labels).toEqual({ app: 'web' });
    expect(w.events[0].object.metadata.resourceVersion).toBe('2');
  });

  it('field selectors and name lists give enter/leave events too', async () => {
    const c = new InMemoryCluster();
    const byField = record(c, {
      kind: 'ConfigMap',
      fieldSelector: { matchExpressions: [{ field: 'data.mode', operator: '=', value: 'on' }] },
    });
    const byName = record(c, { kind: 'ConfigMap', names: ['a'] });
    c.put(cm('a', {}, { mode: 'off' }));
    c.put(cm('b', {}, { mode: 'on' }));
    c.put(cm('a', {}, { mode: 'on' }));
    c.put(cm('a', {}, { mode: 'off' }));
    await c.quiesce();
    expect(byField.seen()).toEqual(['Added default/b', 'Added default/a', 'Deleted default/a']);
    expect(byName.seen()).toEqual(['Added default/a', 'Modified default/a', 'Modified default/a']);
  });

  it('namespace name lists restrict the watch', async () => {
    const c = new InMemoryCluster();
    const w = record(c, { kind: 'ConfigMap', namespaces: ['prod'] });
    c.put(cm('a', {}, {}, 'prod'));
    c.put(cm('a'));
    c.put(cm('b', {}, {}, 'dev'));
    await c.quiesce();
    expect(w.seen()).toEqual(['Added prod/a']);
  });

  it('shell-operator pkg/hook/config/config_v1.go (kubernetes) objects of a namespace that stops matching vanish without events; re-matching adds them', async () => {
    const c = new InMemoryCluster({
      objects: [ns('prod', { watched: 'yes' }), cm('a', {}, {}, 'prod'), cm('b', {}, {}, 'prod'), ns('dev')],
    });
    const w = record(c, { kind: 'ConfigMap', namespaceLabelSelector: { matchLabels: { watched: 'yes' } } });
    c.put(cm('c', {}, {}, 'dev'));
    c.put(ns('prod', { watched: 'no' }));
    c.put(cm('a', {}, { changed: 'while unwatched' }, 'prod'));
    await c.quiesce();
    expect(w.seen()).toEqual([]);
    c.put(ns('dev', { watched: 'yes' }));
    c.put(ns('prod', { watched: 'yes' }));
    c.put(cm('b', {}, { x: '1' }, 'prod'));
    c.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'dev' });
    c.put(cm('c', {}, { x: '1' }, 'dev'));
    await c.quiesce();
    expect(w.seen()).toEqual(['Added dev/c', 'Added prod/a', 'Added prod/b', 'Modified prod/b']);
    expect(w.events[1].object.data).toEqual({ changed: 'while unwatched' });
  });

  it('a namespace that appears with matching labels brings its objects in as Added', async () => {
    const c = new InMemoryCluster({ objects: [cm('early', {}, {}, 'late-ns')] });
    const w = record(c, { kind: 'ConfigMap', namespaceLabelSelector: { matchLabels: { team: 'a' } } });
    c.put(ns('late-ns', { team: 'a' }));
    await c.quiesce();
    expect(w.seen()).toEqual(['Added late-ns/early']);
  });

  it('each watcher gets its own copy of the event object', async () => {
    const c = new InMemoryCluster();
    const first = record(c, { kind: 'ConfigMap' });
    const second = record(c, { kind: 'ConfigMap' });
    c.put(cm('a', { x: '1' }));
    await c.quiesce();
    first.events[0].object.metadata.labels!.x = 'mutated';
    expect(second.events[0].object.metadata.labels).toEqual({ x: '1' });
  });

  it('an error in one watcher goes to onWatcherError and does not stop delivery', async () => {
    const errors: unknown[] = [];
    const c = new InMemoryCluster({ onWatcherError: (e) => errors.push(e) });
    c.watch({ kind: 'ConfigMap' }, () => {
      throw new Error('boom');
    });
    const w = record(c, { kind: 'ConfigMap' });
    c.put(cm('a'));
    await c.quiesce();
    expect(errors).toHaveLength(1);
    expect(w.seen()).toEqual(['Added default/a']);
  });
});
