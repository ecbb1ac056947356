import { InMemoryCluster } from '@converge/cluster-memory';
import { UnknownKindError } from '@converge/kube';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { startKubeApiServer } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { cm, EventLog, type KubeRig, ns, quietly, startRig, widgetCrd } from './harness.js';

type Step = (cluster: InMemoryCluster) => void;

interface WatchCase {
  title: string;
  seed: KubeObject[];
  selector: ResourceSelector;
  steps: Step[];
  expect: string[];
  /** Objects entering with their namespace keep their own (older) resourceVersions. */
  unordered?: boolean;
}

const cmRef = (name: string, namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

const CASES: WatchCase[] = [
  {
    title: 'enter scope = Added, change = Modified, leave or delete = Deleted; other objects are silent',
    seed: [ns('team-a'), cm('before', 'team-a', { app: 'web' })],
    selector: { apiVersion: 'v1', kind: 'ConfigMap', labelSelector: { matchLabels: { app: 'web' } } },
    steps: [
      (c) => c.put(cm('a', 'team-a', { app: 'web' })),
      (c) => c.put(cm('noise', 'team-a', { app: 'other' })),
      (c) => c.put(cm('a', 'team-a', { app: 'web' }, { v: '2' })),
      (c) => c.put(cm('a', 'team-a', { app: 'other' }, { v: '3' })),
      (c) => c.put(cm('a', 'team-a', { app: 'web' }, { v: '4' })),
      (c) => c.remove(cmRef('a', 'team-a')),
      (c) => c.put(cm('before', 'team-a', { app: 'web' }, { touched: 'yes' })),
    ],
    expect: [
      'Added team-a/a {}',
      'Modified team-a/a {"v":"2"}',
      'Deleted team-a/a {"v":"2"}',
      'Added team-a/a {"v":"4"}',
      'Deleted team-a/a {"v":"4"}',
      'Modified team-a/before {"touched":"yes"}',
    ],
  },
  {
    title: 'namespaces and a client-side field selector',
    seed: [ns('team-a'), ns('team-b')],
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespaces: ['team-b'],
      fieldSelector: { matchExpressions: [{ field: 'data.mode', operator: '=', value: 'on' }] },
    },
    steps: [
      (c) => c.put(cm('x', 'team-a', undefined, { mode: 'on' })),
      (c) => c.put(cm('x', 'team-b', undefined, { mode: 'off' })),
      (c) => c.put(cm('x', 'team-b', undefined, { mode: 'on' })),
      (c) => c.put(cm('x', 'team-b', undefined, { mode: 'off' })),
    ],
    expect: ['Added team-b/x {"mode":"on"}', 'Deleted team-b/x {"mode":"on"}'],
  },
  {
    title:
      'namespace label selector: a namespace that starts matching adds its objects; one that stops drops them silently',
    seed: [ns('team-a'), ns('team-b', { watch: 'yes' }), cm('x', 'team-a'), cm('w', 'team-a')],
    selector: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespaceLabelSelector: { matchLabels: { watch: 'yes' } },
    },
    steps: [
      (c) => c.put(cm('b', 'team-b')),
      (c) => c.put(ns('team-a', { watch: 'yes' })),
      (c) => c.put(ns('team-a')),
      (c) => c.put(cm('x', 'team-a', undefined, { ignored: 'yes' })),
      (c) => c.put(cm('b', 'team-b', undefined, { seen: 'yes' })),
    ],
    expect: [
      'Added team-b/b {}',
      'Added team-a/w {}',
      'Added team-a/x {}',
      'Modified team-b/b {"seen":"yes"}',
    ],
    unordered: true,
  },
];

const line = (e: { type: string; object: KubeObject }) =>
  `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name} ${JSON.stringify(
    (e.object as { data?: unknown }).data ?? {},
  )}`;

let rig: KubeRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('KubeCluster.watch ≡ InMemoryCluster.watch', () => {
  for (const c of CASES) {
    it(c.title, async () => {
      const memory = new InMemoryCluster({ objects: c.seed });
      const memoryEvents = new EventLog();
      memory.watch(c.selector, memoryEvents.push);
      // How many events the in-memory cluster had reported after each step.
      const after: number[] = [];
      for (const step of c.steps) {
        step(memory);
        await memory.quiesce();
        after.push(memoryEvents.events.length);
      }
      expect(memoryEvents.events.map(line)).toEqual(c.expect);

      rig = await startRig(c.seed);
      const kubeEvents = new EventLog();
      rig.kube.watch(c.selector, kubeEvents.push);
      await rig.kube.ready();
      for (const [i, step] of c.steps.entries()) {
        step(rig.server.cluster);
        // One change at a time, as the in-memory run had them: wait for this step's events.
        await kubeEvents.count(after[i]);
      }
      await kubeEvents.count(c.expect.length);
      expect(kubeEvents.events.map(line)).toEqual(c.expect);
      // Deleted carries the last content with the deletion's resourceVersion, in resourceVersion order.
      const versions = kubeEvents.events.map((e) => Number(e.object.metadata.resourceVersion));
      if (!c.unordered) expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    });
  }
});

describe('KubeCluster.watch streams', () => {
  const selector = { apiVersion: 'v1', kind: 'ConfigMap' };

  it('reports only changes after the watch started, and Unsubscribe ends the stream', async () => {
    rig = await startRig([cm('old', 'default')]);
    const events = new EventLog();
    const unsubscribe = rig.kube.watch(selector, events.push);
    await rig.kube.ready();
    rig.server.cluster.put(cm('new', 'default'));
    await events.count(1);
    unsubscribe();
    // A second watch is the barrier: once it reports 'after', a live first stream would have too.
    const barrier = new EventLog();
    rig.kube.watch(selector, barrier.push);
    await rig.kube.ready();
    rig.server.cluster.put(cm('after', 'default'));
    await barrier.count(1);
    expect(barrier.summary()).toEqual(['Added default/after']);
    expect(events.summary()).toEqual(['Added default/new']);
  });

  it('reconnects when the stream ends and resumes from the last resourceVersion', async () => {
    const cluster = new InMemoryCluster();
    rig = await startRig([cm('a', 'default')], { cluster });
    const port = Number(new URL(rig.server.url).port);
    const errors: unknown[] = [];
    const events = new EventLog();
    const { KubeCluster, loadKubeConfig } = await import('@converge/kube');
    const kube = new KubeCluster(loadKubeConfig({ kubeconfig: rig.kubeconfig }), {
      onWatchError: (e) => errors.push(e),
      watchRetryDelayMs: 50,
    });
    kube.watch(selector, events.push);
    await kube.ready();
    await rig.server.close();
    const again = await startKubeApiServer({ cluster, port });
    try {
      cluster.put(cm('b', 'default'));
      await events.count(1);
      expect(events.summary()).toEqual(['Added default/b']);
      expect(again.requests.some((r) => r.query.includes('watch=true'))).toBe(true);
    } finally {
      kube.close();
      await again.close();
    }
  });

  it('410 Gone: relists and reports the difference as Added, Modified and Deleted', async () => {
    const cluster = new InMemoryCluster();
    rig = await startRig([cm('keep', 'default'), cm('change', 'default'), cm('drop', 'default')], {
      cluster,
    });
    const port = Number(new URL(rig.server.url).port);
    const errors: unknown[] = [];
    const events = new EventLog();
    const { KubeCluster, loadKubeConfig } = await import('@converge/kube');
    const kube = new KubeCluster(loadKubeConfig({ kubeconfig: rig.kubeconfig }), {
      onWatchError: (e) => errors.push(e),
      watchRetryDelayMs: 50,
    });
    kube.watch(selector, events.push);
    await kube.ready();
    await rig.server.close();
    // Changes while the server is away; the new server keeps no history of them.
    cluster.put(cm('change', 'default', undefined, { v: '2' }));
    cluster.remove(cmRef('drop', 'default'));
    cluster.put(cm('added', 'default'));
    const again = await startKubeApiServer({ cluster, port });
    try {
      await events.count(3);
      expect(events.events.map(line)).toEqual([
        'Modified default/change {"v":"2"}',
        'Added default/added {}',
        'Deleted default/drop {}',
      ]);
      expect(again.requests.some((r) => r.status === 410)).toBe(true);
      expect(errors.length).toBeGreaterThan(0); // connection refused while away, reported not thrown
      cluster.put(cm('later', 'default'));
      await events.count(4);
      expect(events.summary()[3]).toBe('Added default/later');
    } finally {
      kube.close();
      await again.close();
    }
  });

  it('a watch of a kind not served yet reports UnknownKindError and starts once a CRD serves it', async () => {
    const errors: unknown[] = [];
    rig = await startRig([], { onWatchError: (e) => errors.push(e) });
    const events = new EventLog();
    rig.kube.watch({ apiVersion: 'example.com/v1', kind: 'Widget' }, events.push);
    await rig.kube.ready();
    expect(errors[0]).toBeInstanceOf(UnknownKindError);
    rig.server.cluster.put(widgetCrd());
    for (let i = 0; events.events.length === 0 && i < 50; i++) {
      rig.server.cluster.put({
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { name: `w${i}`, namespace: 'default' },
      });
      await quietly(100);
    }
    expect(events.events[0]?.type).toBe('Added');
    expect(events.events[0]?.object.kind).toBe('Widget');
  });

  it('a throwing callback is reported, and later events still arrive', async () => {
    const errors: unknown[] = [];
    rig = await startRig([], { onWatchError: (e) => errors.push(e) });
    const seen: string[] = [];
    let both!: () => void;
    const twoSeen = new Promise<void>((r) => {
      both = r;
    });
    rig.kube.watch(selector, (e) => {
      seen.push(e.object.metadata.name);
      if (seen.length === 2) both();
      if (seen.length === 1) throw new Error('callback failed');
    });
    await rig.kube.ready();
    rig.server.cluster.put(cm('one', 'default'));
    rig.server.cluster.put(cm('two', 'default'));
    await twoSeen;
    expect(seen).toEqual(['one', 'two']);
    expect(String(errors[0])).toContain('callback failed');
  });
});
