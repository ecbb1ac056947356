import { InMemoryCluster } from '@converge/cluster-memory';
import type { ClusterSource, HookWatch } from '@converge/core';
import type { KubeObject, ResourceSelector, WatchEvent, WatchEventType } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import {
  BindingMonitor,
  type BindingMonitorError,
  type BindingMonitorEvent,
  type JqEngine,
} from '../src/cluster/index.js';

function pod(
  name: string,
  labels: Record<string, string> = {},
  namespace = 'default',
  annotations = {},
): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels, annotations } };
}

function binding(overrides: Partial<HookWatch> = {}): HookWatch {
  return {
    name: 'pods',
    selector: { apiVersion: 'v1', kind: 'Pod' },
    executeHookOnEvent: ['Added', 'Modified', 'Deleted'],
    keepFullObjectsInMemory: true,
    includeSnapshotsFrom: [],
    ...overrides,
  };
}

/** A jq stand-in for the few filters these tests use: `.metadata.labels`, `.metadata.name`, `.none`, `.pair`. */
const fakeJq: JqEngine = {
  evaluate(filter, input) {
    const object = input as KubeObject;
    switch (filter) {
      case '.metadata.labels':
        return [object.metadata.labels ?? null];
      case '.metadata.name':
        return [object.metadata.name];
      case '.none':
        return [];
      case '.pair':
        return [object.metadata.name, object.metadata.namespace];
      default:
        throw new Error(`unsupported filter ${filter}`);
    }
  },
};

function monitorOn(source: ClusterSource, watch: HookWatch, jq?: JqEngine) {
  const events: BindingMonitorEvent[] = [];
  const errors: BindingMonitorError[] = [];
  const monitor = new BindingMonitor({
    source,
    watch,
    jq,
    onEvent: (e) => events.push(e),
    onError: (e) => errors.push(e),
  });
  const seen = () =>
    events.map(
      (e) => `${e.watchEvent} ${e.item.object?.metadata.name ?? JSON.stringify(e.item.filterResult)}`,
    );
  return { monitor, events, errors, seen };
}

/** A cluster source driven by hand: it replays what a real informer would send. */
class ScriptedSource implements ClusterSource {
  objects: KubeObject[] = [];
  private listener: ((event: WatchEvent) => void) | undefined;
  private rv = 100;
  async list(_selector: ResourceSelector): Promise<KubeObject[]> {
    return structuredClone(this.objects);
  }
  watch(_selector: ResourceSelector, onEvent: (event: WatchEvent) => void) {
    this.listener = onEvent;
    return () => {
      this.listener = undefined;
    };
  }
  /** Sends an event; `bump` gives the object a new resourceVersion like a real write. */
  send(type: WatchEventType, object: KubeObject, bump = true) {
    const sent = structuredClone(object);
    if (bump) sent.metadata.resourceVersion = String(++this.rv);
    this.listener?.({ type, object: sent });
    return sent;
  }
}

describe('BindingMonitor snapshots', () => {
  it('lists matching objects sorted by namespace then name, with full objects', async () => {
    const c = new InMemoryCluster({
      objects: [pod('b', {}, 'ns1'), pod('a', {}, 'ns2'), pod('c', {}, 'ns1'), pod('a', {}, 'ns1')],
    });
    const { monitor } = monitorOn(c, binding());
    await monitor.start();
    const items = monitor.snapshot();
    expect(items.map((i) => `${i.object?.metadata.namespace}/${i.object?.metadata.name}`)).toEqual([
      'ns1/a',
      'ns1/b',
      'ns1/c',
      'ns2/a',
    ]);
    expect(items[0]).toEqual({
      object: c.get({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'a' }),
    });
  });

  it('shell-operator pkg/kube_events_manager/types/types.go item shapes: object and/or filterResult by keepFull and filter', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { x: '1' })] });
    const shapes = async (watch: Partial<HookWatch>) => {
      const { monitor } = monitorOn(c, binding(watch), fakeJq);
      await monitor.start();
      return monitor.snapshot()[0];
    };
    const full = c.get({ apiVersion: 'v1', kind: 'Pod', name: 'a' });
    expect(await shapes({})).toEqual({ object: full });
    expect(await shapes({ keepFullObjectsInMemory: false })).toEqual({});
    expect(await shapes({ jqFilter: '.metadata.labels' })).toEqual({
      object: full,
      filterResult: { x: '1' },
    });
    expect(await shapes({ jqFilter: '.metadata.labels', keepFullObjectsInMemory: false })).toEqual({
      filterResult: { x: '1' },
    });
    expect(
      await shapes({ filter: (o) => o.metadata.name.toUpperCase(), keepFullObjectsInMemory: false }),
    ).toEqual({
      filterResult: 'A',
    });
    expect(await shapes({ filter: () => undefined, keepFullObjectsInMemory: false })).toEqual({
      filterResult: null,
    });
  });

  it('shell-operator pkg/filter/jq/apply.go jq output cardinality: none is null, one is the value, several are an array', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', {}, 'ns')] });
    const result = async (jqFilter: string) => {
      const { monitor } = monitorOn(c, binding({ jqFilter, keepFullObjectsInMemory: false }), fakeJq);
      await monitor.start();
      return monitor.snapshot()[0].filterResult;
    };
    expect(await result('.none')).toBeNull();
    expect(await result('.metadata.name')).toBe('a');
    expect(await result('.pair')).toEqual(['a', 'ns']);
  });

  it('without full objects, items are ordered by namespace/Kind/name', async () => {
    // "a-b/Pod/x" sorts before "a/Pod/x" ('-' < '/'), while namespace-then-name puts "a" first.
    const c = new InMemoryCluster({ objects: [pod('x', {}, 'a'), pod('x', {}, 'a-b')] });
    const lean = monitorOn(
      c,
      binding({ filter: (o) => o.metadata.namespace, keepFullObjectsInMemory: false }),
    );
    const full = monitorOn(c, binding({ filter: (o) => o.metadata.namespace }));
    await lean.monitor.start();
    await full.monitor.start();
    expect(lean.monitor.snapshot().map((i) => i.filterResult)).toEqual(['a-b', 'a']);
    expect(full.monitor.snapshot().map((i) => i.filterResult)).toEqual(['a', 'a-b']);
  });

  it('snapshot items are copies', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { x: '1' })] });
    const { monitor } = monitorOn(c, binding());
    await monitor.start();
    monitor.snapshot()[0].object!.metadata.labels!.x = 'changed';
    expect(monitor.snapshot()[0].object!.metadata.labels).toEqual({ x: '1' });
  });

  it('objects of a namespace that stops matching the namespace label selector leave the snapshot silently', async () => {
    const ns = (labels: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team', labels },
    });
    const c = new InMemoryCluster({
      objects: [ns({ watch: 'yes' }), pod('a', {}, 'team'), pod('b', {}, 'other')],
    });
    const { monitor, seen } = monitorOn(
      c,
      binding({ selector: { kind: 'Pod', namespaceLabelSelector: { matchLabels: { watch: 'yes' } } } }),
    );
    await monitor.start();
    monitor.unlock();
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['a']);
    c.put(ns({ watch: 'no' }));
    await c.quiesce();
    expect(monitor.snapshot()).toEqual([]);
    expect(seen()).toEqual([]);
    c.put(ns({ watch: 'yes' }));
    await c.quiesce();
    expect(seen()).toEqual(['Added a']);
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['a']);
  });
});

describe('BindingMonitor start failures', () => {
  it('a jqFilter without a jq engine makes start() reject naming the binding', async () => {
    const { monitor } = monitorOn(new InMemoryCluster(), binding({ name: 'my-pods', jqFilter: '.metadata' }));
    await expect(monitor.start()).rejects.toThrow(
      /kubernetes binding "my-pods" has a jqFilter but no jq engine/,
    );
  });

  it('a filter that throws on the initial list makes start() reject, and nothing is watched', async () => {
    const c = new InMemoryCluster({ objects: [pod('bad')] });
    const { monitor, events, errors } = monitorOn(
      c,
      binding({
        filter: (o) => {
          if (o.metadata.name === 'bad') throw new Error('cannot read spec');
          return o.metadata.name;
        },
      }),
    );
    const failure = await monitor.start().catch((e: BindingMonitorError) => e);
    expect(failure).toMatchObject({
      code: 'BINDING_MONITOR',
      binding: 'pods',
      object: { kind: 'Pod', namespace: 'default', name: 'bad' },
    });
    expect((failure as Error).message).toMatch(
      /"pods": filter failed on v1\/Pod default\/bad: cannot read spec/,
    );
    monitor.unlock();
    c.put(pod('later'));
    await c.quiesce();
    expect(events).toEqual([]);
    expect(errors).toEqual([]);
    expect(monitor.snapshot()).toEqual([]);
  });

  it('a list failure makes start() reject with the cause', async () => {
    const source: ClusterSource = {
      list: async () => {
        throw new Error('forbidden');
      },
      watch: () => () => {},
    };
    const { monitor } = monitorOn(source, binding());
    await expect(monitor.start()).rejects.toThrow(/"pods": list failed: forbidden/);
  });

  it('a filter that throws on a watch event drops that event and reports it', async () => {
    const c = new InMemoryCluster();
    const { monitor, seen, errors } = monitorOn(
      c,
      binding({
        filter: (o) => {
          if (o.metadata.labels?.broken) throw new Error('bad label');
          return o.metadata.name;
        },
      }),
    );
    await monitor.start();
    monitor.unlock();
    c.put(pod('a', { broken: 'yes' }));
    c.put(pod('b'));
    await c.quiesce();
    expect(seen()).toEqual(['Added b']);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toMatch(/"pods": filter failed on v1\/Pod default\/a: bad label/);
    expect(errors[0].object?.name).toBe('a');
  });
});

describe('BindingMonitor locking (addon-operator pkg/task/tasks/module-run/task.go)', () => {
  it('buffers events until unlock, then releases them in order and flows afterwards', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    expect(monitor.locked).toBe(true);
    c.put(pod('b'));
    c.put(pod('a', { v: '2' }));
    c.remove({ apiVersion: 'v1', kind: 'Pod', name: 'b' });
    await c.quiesce();
    expect(seen()).toEqual([]);
    monitor.unlock();
    expect(monitor.locked).toBe(false);
    expect(seen()).toEqual(['Added b', 'Modified a', 'Deleted b']);
    c.put(pod('c'));
    await c.quiesce();
    expect(seen()).toEqual(['Added b', 'Modified a', 'Deleted b', 'Added c']);
  });

  it('reading the snapshot while locked discards buffered events; after unlock it discards nothing', async () => {
    const c = new InMemoryCluster();
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    c.put(pod('a'));
    await c.quiesce();
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['a']);
    c.put(pod('b'));
    await c.quiesce();
    monitor.unlock();
    expect(seen()).toEqual(['Added b']);
    monitor.snapshot();
    c.put(pod('c'));
    await c.quiesce();
    expect(seen()).toEqual(['Added b', 'Added c']);
  });

  it('emitted items are deep-frozen and frozen at event time', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { v: '1' })] });
    const { monitor, events } = monitorOn(c, binding());
    await monitor.start();
    monitor.unlock();
    c.put(pod('a', { v: '2' }));
    c.put(pod('a', { v: '3' }));
    await c.quiesce();
    expect(events.map((e) => e.item.object?.metadata.labels?.v)).toEqual(['2', '3']);
    expect(events[0]).toMatchObject({ watchEvent: 'Modified', bindingName: 'pods' });
    expect(Object.isFrozen(events[0].item.object?.metadata)).toBe(true);
    expect(monitor.snapshot()[0].object?.metadata.labels).toEqual({ v: '3' });
  });

  it('stop() ends delivery and drops buffered events; the last snapshot stays readable', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    c.put(pod('b'));
    await c.quiesce();
    monitor.stop();
    monitor.unlock();
    c.put(pod('c'));
    await c.quiesce();
    expect(seen()).toEqual([]);
    expect(monitor.running).toBe(false);
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['a', 'b']);
  });
});

describe('BindingMonitor change detection (shell-operator pkg/kube_events_manager/resource_informer.go)', () => {
  it('TV-30 checksum suppression sequence with jqFilter .metadata.labels', async () => {
    const source = new ScriptedSource();
    source.objects = [source.send('Added', pod('a', { x: '1' }))];
    const { monitor, events } = monitorOn(source, binding({ jqFilter: '.metadata.labels' }), fakeJq);
    await monitor.start();
    // 1: Synchronization with objects [a]
    expect(monitor.snapshot().map((i) => i.filterResult)).toEqual([{ x: '1' }]);
    monitor.unlock();
    source.send('Added', source.objects[0], false); // 2: the informer's initial Added
    source.send('Modified', pod('a', { x: '1' }, 'default', { note: 'changed' })); // 3: annotation only
    const a2 = source.send('Modified', pod('a', { x: '2' })); // 4: labels change
    source.send('Modified', a2, false); // 5: periodic resync
    source.send('Deleted', a2); // 6
    source.send('Added', pod('a', { x: '2' })); // 7
    expect(events.map((e) => [e.watchEvent, e.item.filterResult])).toEqual([
      ['Modified', { x: '2' }],
      ['Deleted', { x: '2' }],
      ['Added', { x: '2' }],
    ]);
    expect(monitor.snapshot().map((i) => i.filterResult)).toEqual([{ x: '2' }]);
  });

  it('TV-30 without jqFilter: the annotation-only change creates an event, the resync does not', async () => {
    const source = new ScriptedSource();
    source.objects = [source.send('Added', pod('a', { x: '1' }))];
    const { monitor, events } = monitorOn(source, binding(), fakeJq);
    await monitor.start();
    monitor.unlock();
    source.send('Added', source.objects[0], false);
    source.send('Modified', pod('a', { x: '1' }, 'default', { note: 'changed' }));
    const a2 = source.send('Modified', pod('a', { x: '2' }));
    source.send('Modified', a2, false);
    source.send('Deleted', a2);
    source.send('Added', pod('a', { x: '2' }));
    expect(events.map((e) => e.watchEvent)).toEqual(['Modified', 'Modified', 'Deleted', 'Added']);
    expect(events[0].item.object?.metadata.annotations).toEqual({ note: 'changed' });
  });

  it('TV-30 against the in-memory cluster: suppressed changes still refresh the cache', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { x: '1' })] });
    const { monitor, seen } = monitorOn(c, binding({ jqFilter: '.metadata.labels' }), fakeJq);
    await monitor.start();
    monitor.unlock();
    c.put(pod('a', { x: '1' }, 'default', { note: 'changed' }));
    await c.quiesce();
    expect(seen()).toEqual([]);
    expect(monitor.snapshot()[0].object?.metadata.annotations).toEqual({ note: 'changed' });
    c.put(pod('a', { x: '2' }));
    c.remove({ apiVersion: 'v1', kind: 'Pod', name: 'a' });
    c.put(pod('a', { x: '2' }));
    await c.quiesce();
    expect(seen()).toEqual(['Modified a', 'Deleted a', 'Added a']);
  });

  it('TV-30 a filter result whose keys come in another order is no change (checksum of canonical JSON)', async () => {
    const source = new ScriptedSource();
    source.objects = [source.send('Added', pod('a', { x: '1', y: '2' }))];
    const { monitor, events } = monitorOn(source, binding({ jqFilter: '.metadata.labels' }), fakeJq);
    await monitor.start();
    monitor.unlock();
    source.send('Modified', pod('a', { y: '2', x: '1' })); // same labels, other key order
    expect(events).toEqual([]);
    source.send('Modified', pod('a', { y: '3', x: '1' }));
    expect(events.map((e) => e.watchEvent)).toEqual(['Modified']);
    // The filter result keeps the order the filter gave its keys.
    expect(Object.keys(events[0].item.filterResult as object)).toEqual(['y', 'x']);
  });

  it('TV-30 with full objects and a filter: an unfiltered change refreshes the object without an event', async () => {
    const source = new ScriptedSource();
    source.objects = [source.send('Added', pod('a', { x: '1' }))];
    const { monitor, seen } = monitorOn(source, binding({ jqFilter: '.metadata.labels' }), fakeJq);
    await monitor.start();
    monitor.unlock();
    source.send('Modified', pod('a', { x: '1' }, 'default', { note: 'changed' }));
    expect(seen()).toEqual([]);
    expect(monitor.snapshot()).toEqual([
      {
        object: expect.objectContaining({
          metadata: expect.objectContaining({ annotations: { note: 'changed' } }),
        }),
        filterResult: { x: '1' },
      },
    ]);
  });

  it('TV-31 a snapshot-only binding over 1,000 objects keeps namespace/Kind/name order through events', async () => {
    const names = Array.from({ length: 1000 }, (_, i) => `p-${(i * 7919) % 1000}`);
    const c = new InMemoryCluster({
      objects: names.map((n, i) => pod(n, { i: String(i) }, i % 2 ? 'b' : 'a-b')),
    });
    const { monitor, seen } = monitorOn(
      c,
      binding({ keepFullObjectsInMemory: false, executeHookOnEvent: [], jqFilter: '.metadata.name' }),
      fakeJq,
    );
    await monitor.start();
    monitor.unlock();
    c.put(pod('zz', {}, 'a'));
    c.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'b', name: names[1] });
    await c.quiesce();
    const expected = [
      ...[...names.filter((_, i) => i % 2 === 0)].sort().map((n) => `a-b/${n}`),
      'a/zz',
      ...[...names.filter((_, i) => i % 2 === 1 && i !== 1)].sort().map((n) => `b/${n}`),
    ];
    // `a-b/Pod/…` sorts before `a/Pod/…` ('-' < '/'), as shell-operator's ids do.
    const actual = monitor.snapshot().map((i) => i.filterResult as string);
    expect(actual).toEqual(expected.map((id) => id.slice(id.indexOf('/') + 1)));
    expect(seen()).toEqual([]);
  });

  it('events that arrive while the initial list is in flight are checked against the listed cache', async () => {
    const source = new ScriptedSource();
    const a = source.send('Added', pod('a', { x: '1' }));
    source.objects = [a];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const list = source.list.bind(source);
    source.list = async (selector) => {
      const listed = await list(selector);
      await gate;
      return listed;
    };
    const { monitor, seen } = monitorOn(source, binding());
    const started = monitor.start();
    source.send('Added', a, false); // already in the list: suppressed
    source.send('Added', pod('b')); // new: emitted after unlock
    release();
    await started;
    monitor.unlock();
    expect(seen()).toEqual(['Added b']);
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['a', 'b']);
  });

  it('TV-31 snapshot-only binding (executeHookOnEvent: []) emits nothing but stays fresh', async () => {
    const cm = (data: Record<string, string>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings' },
      data,
    });
    const c = new InMemoryCluster({ objects: [cm({ level: 'info' })] });
    const { monitor, events } = monitorOn(
      c,
      binding({ name: 'cm', selector: { kind: 'ConfigMap' }, executeHookOnEvent: [] }),
    );
    await monitor.start();
    monitor.unlock(); // executeHookOnSynchronization: false still unlocks
    c.put(cm({ level: 'debug' }));
    await c.quiesce();
    expect(events).toEqual([]);
    expect(monitor.snapshot().map((i) => i.object?.data)).toEqual([{ level: 'debug' }]);
  });

  it('only types in executeHookOnEvent are emitted; the cache follows every event', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding({ executeHookOnEvent: ['Deleted'] }));
    await monitor.start();
    monitor.unlock();
    c.put(pod('b'));
    c.put(pod('a', { v: '2' }));
    c.remove({ apiVersion: 'v1', kind: 'Pod', name: 'a' });
    await c.quiesce();
    expect(seen()).toEqual(['Deleted a']);
    expect(monitor.snapshot().map((i) => i.object?.metadata.name)).toEqual(['b']);
  });

  it('an object leaving the label selector arrives as Deleted, entering as Added', async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { app: 'web' })] });
    const { monitor, seen } = monitorOn(
      c,
      binding({ selector: { kind: 'Pod', labelSelector: { matchLabels: { app: 'web' } } } }),
    );
    await monitor.start();
    monitor.unlock();
    c.put(pod('a', { app: 'db' }));
    c.put(pod('a', { app: 'web' }));
    await c.quiesce();
    expect(seen()).toEqual(['Deleted a', 'Added a']);
  });
});

describe('Synchronization at the monitor level (docs/conformance.md)', () => {
  it('AO-15 executeHookOnSynchronization false: unlocking without reading delivers buffered and later events', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    c.put(pod('b'));
    await c.quiesce();
    monitor.unlock(); // the Synchronization task is skipped but succeeds
    c.put(pod('c'));
    await c.quiesce();
    expect(seen()).toEqual(['Added b', 'Added c']);
  });

  it('AO-18 events locked until Synchronization: buffered events come after it succeeds', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    const synchronization = monitor.snapshot(); // the Synchronization run reads objects
    expect(synchronization.map((i) => i.object?.metadata.name)).toEqual(['a']);
    c.put(pod('a', { after: 'sync-read' }));
    await c.quiesce();
    expect(seen()).toEqual([]); // no event while the Synchronization task has not succeeded
    monitor.unlock();
    expect(seen()).toEqual(['Modified a']);
  });

  it('AO-18 an event already reflected in the Synchronization snapshot is not delivered', async () => {
    const c = new InMemoryCluster({ objects: [pod('a')] });
    const { monitor, seen } = monitorOn(c, binding());
    await monitor.start();
    c.put(pod('a', { before: 'sync-read' }));
    await c.quiesce();
    expect(monitor.snapshot()[0].object?.metadata.labels).toEqual({ before: 'sync-read' });
    monitor.unlock();
    expect(seen()).toEqual([]);
  });

  it("AO-108 a Modified during the binding's own Synchronization is discarded when the run reads it", async () => {
    const c = new InMemoryCluster({ objects: [pod('a', { v: '1' })] });
    const { monitor, seen } = monitorOn(c, binding({ jqFilter: '.metadata.labels' }), fakeJq);
    await monitor.start(); // Synchronization task queued, not executed yet
    c.put(pod('a', { v: '2' }));
    await c.quiesce();
    expect(seen()).toEqual([]);
    const objects = monitor.snapshot(); // the Synchronization run starts
    expect(objects.map((i) => i.filterResult)).toEqual([{ v: '2' }]);
    monitor.unlock(); // ... and succeeds
    expect(seen()).toEqual([]);
    c.put(pod('a', { v: '3' }));
    await c.quiesce();
    expect(seen()).toEqual(['Modified a']);
  });
});
