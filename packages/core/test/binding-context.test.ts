import { describe, expect, it } from 'vitest';
import {
  admissionBindingContext,
  collectFilterResults,
  compareByteOrder,
  conversionBindingContext,
  eventContext,
  type HookContextInput,
  type KubeBindingShape,
  lifecycleContext,
  onStartupContext,
  type RawSnapshotItem,
  renderSnapshot,
  scheduleContext,
  synchronizationContext,
} from '../src/binding-context.js';

const pod = (namespace: string, name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, ...extra },
});

const hook = (
  kubernetes: KubeBindingShape[],
  snapshots: Record<string, RawSnapshotItem[]> = {},
  configVersion: 'v0' | 'v1' = 'v1',
): HookContextInput => ({ configVersion, kubernetes, snapshots });

describe('binding contexts (HP §2)', () => {
  it('TV-20 schedule with an empty included snapshot', () => {
    const h = hook([{ name: 'pods' }]);
    expect([scheduleContext({ name: 'every-min', includeSnapshotsFrom: ['pods'] }, h)]).toEqual([
      { binding: 'every-min', type: 'Schedule', snapshots: { pods: [] } },
    ]);
    expect(scheduleContext({ name: 'every-5m' }, h)).toEqual({ binding: 'every-5m', type: 'Schedule' });
  });

  it('TV-21 Synchronization without full objects and without jq', () => {
    const h = hook([{ name: 'pods', keepFullObjectsInMemory: false }], {
      pods: [{ object: pod('ns1', 'b') }, { object: pod('ns1', 'a') }],
    });
    expect([synchronizationContext('pods', h)]).toEqual([
      { binding: 'pods', type: 'Synchronization', objects: [{}, {}] },
    ]);
    const empty = hook([{ name: 'pods' }]);
    expect(synchronizationContext('pods', empty)).toEqual({
      binding: 'pods',
      type: 'Synchronization',
      objects: [],
    });
  });

  it('TV-22 jq output cardinality becomes filterResult', () => {
    expect(collectFilterResults(['app', 'sidecar'])).toEqual(['app', 'sidecar']);
    expect(collectFilterResults(['app'])).toBe('app');
    expect(collectFilterResults([])).toBeNull();
    const b = { name: 'pods', jqFilter: '.spec.containers[].name' };
    const a = pod('ns1', 'a');
    const h = hook([b], { pods: [{ object: a, filterResult: collectFilterResults(['app', 'sidecar']) }] });
    expect(eventContext('pods', 'Added', { object: a, filterResult: collectFilterResults([]) }, h)).toEqual({
      binding: 'pods',
      type: 'Event',
      watchEvent: 'Added',
      object: a,
      filterResult: null,
    });
    // An item whose filter produced nothing usable still carries filterResult: null.
    expect(synchronizationContext('pods', hook([b], { pods: [{ object: a }] })).objects).toEqual([
      { object: a, filterResult: null },
    ]);
    expect(synchronizationContext('pods', h).objects).toEqual([
      { object: a, filterResult: ['app', 'sidecar'] },
    ]);
  });

  it('TV-23 grouped Synchronization has no objects', () => {
    const a = pod('ns1', 'a');
    const h = hook([{ name: 'pods', group: 'g1', jqFilter: '.metadata.name' }], {
      pods: [{ object: a, filterResult: 'a' }],
    });
    expect([synchronizationContext('pods', h)]).toEqual([
      {
        binding: 'pods',
        type: 'Group',
        groupName: 'g1',
        snapshots: { pods: [{ object: a, filterResult: 'a' }] },
      },
    ]);
    // A grouped Event and a grouped schedule are Group contexts with every snapshot of the group.
    const g = hook(
      [
        { name: 'monitor-pods', group: 'pods' },
        { name: 'cm', group: 'pods', keepFullObjectsInMemory: false, jqFilter: '.data' },
        { name: 'other' },
      ],
      { 'monitor-pods': [{ object: a }], cm: [{ object: pod('ns1', 'c'), filterResult: { k: 'v' } }] },
    );
    const expected = {
      binding: 'monitor-pods',
      type: 'Group',
      groupName: 'pods',
      snapshots: { 'monitor-pods': [{ object: a }], cm: [{ filterResult: { k: 'v' } }] },
    };
    expect(eventContext('monitor-pods', 'Modified', { object: a }, g)).toEqual(expected);
    expect(scheduleContext({ name: 's', group: 'pods' }, g)).toEqual({ ...expected, binding: 's' });
  });

  it('TV-24 Deleted event without full object', () => {
    const h = hook([{ name: 'pods', keepFullObjectsInMemory: false, jqFilter: '{n: .metadata.name}' }]);
    const ctx = eventContext('pods', 'Deleted', { object: pod('ns1', 'a'), filterResult: { n: 'a' } }, h);
    expect([ctx]).toEqual([
      { binding: 'pods', type: 'Event', watchEvent: 'Deleted', filterResult: { n: 'a' } },
    ]);
    expect(Object.hasOwn(ctx, 'object')).toBe(false);
    // An event without an object (monitor recreated): object null, filterResult "" when filtered.
    expect(eventContext('pods', 'Added', undefined, h)).toEqual({
      binding: 'pods',
      type: 'Event',
      watchEvent: 'Added',
      object: null,
      filterResult: '',
    });
    expect(eventContext('plain', 'Added', undefined, hook([{ name: 'plain' }]))).toEqual({
      binding: 'plain',
      type: 'Event',
      watchEvent: 'Added',
      object: null,
    });
  });

  it('TV-25 lifecycle contexts carry every kubernetes binding, items sorted by namespace then name', () => {
    expect([lifecycleContext('beforeHelm', hook([]))]).toEqual([{ binding: 'beforeHelm', snapshots: {} }]);
    const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const h = hook(
      [
        { name: 'nodes', jqFilter: '.metadata.name' },
        { name: 'cms', includeSnapshotsFrom: [] },
      ],
      {
        nodes: [
          { object: node('n2'), filterResult: 'n2' },
          { object: node('n1'), filterResult: 'n1' },
        ],
      },
    );
    const snapshots = {
      cms: [],
      nodes: [
        { object: node('n1'), filterResult: 'n1' },
        { object: node('n2'), filterResult: 'n2' },
      ],
    };
    expect([lifecycleContext('afterHelm', h)]).toEqual([{ binding: 'afterHelm', snapshots }]);
    expect(lifecycleContext('beforeAll', h)).toEqual({ binding: 'beforeAll', snapshots });
    expect(onStartupContext()).toEqual({ binding: 'onStartup' });
    // Namespace first, then name, in byte order (uppercase before lowercase, "é" after "z").
    const items = [pod('b', 'a'), pod('a', 'z'), pod('a', 'B'), pod('a', 'é'), pod('', 'x')].map(
      (object) => ({
        object,
      }),
    );
    expect(renderSnapshot({ name: 'p' }, items).map((i) => i.object?.metadata)).toEqual([
      { namespace: '', name: 'x' },
      { namespace: 'a', name: 'B' },
      { namespace: 'a', name: 'z' },
      { namespace: 'a', name: 'é' },
      { namespace: 'b', name: 'a' },
    ]);
    expect(compareByteOrder('\u{1F600}', '\uFFFF')).toBe(1);
  });

  it('TV-26 Validating and Mutating contexts hold only the request, plus snapshots when configured', () => {
    const request = { uid: 'u1', operation: 'CREATE', namespace: 'ns1', name: 'a', object: pod('ns1', 'a') };
    const h = hook([{ name: 'pods' }], { pods: [{ object: pod('ns1', 'a') }] });
    expect(admissionBindingContext({ name: 'policy.example.com' }, 'Validating', request, h)).toEqual({
      binding: 'policy.example.com',
      type: 'Validating',
      review: { request },
    });
    expect(
      admissionBindingContext({ name: 'm', includeSnapshotsFrom: ['pods'] }, 'Mutating', request, h),
    ).toEqual({
      binding: 'm',
      type: 'Mutating',
      review: { request },
      snapshots: { pods: [{ object: pod('ns1', 'a') }] },
    });
  });

  it('TV-27 Conversion context', () => {
    const request = { uid: 'u2', desiredAPIVersion: 'example.com/v1beta1', objects: [{ kind: 'X' }] };
    expect(
      conversionBindingContext(
        { name: 'alpha-to-beta' },
        'example.com/v1alpha1',
        'example.com/v1beta1',
        request,
        hook([]),
      ),
    ).toEqual({
      binding: 'alpha-to-beta',
      type: 'Conversion',
      fromVersion: 'example.com/v1alpha1',
      toVersion: 'example.com/v1beta1',
      review: { request },
    });
  });

  it('v0 hooks get {binding} and resourceEvent contexts without snapshots', () => {
    const h = hook(
      [{ name: 'onKubernetesEvent' }],
      { onKubernetesEvent: [{ object: pod('ns1', 'a') }] },
      'v0',
    );
    expect(lifecycleContext('beforeHelm', h)).toEqual({ binding: 'beforeHelm' });
    expect(scheduleContext({ name: 'schedule', includeSnapshotsFrom: ['onKubernetesEvent'] }, h)).toEqual({
      binding: 'schedule',
    });
    expect(eventContext('onKubernetesEvent', 'Modified', { object: pod('ns1', 'a') }, h)).toEqual({
      binding: 'onKubernetesEvent',
      resourceEvent: 'update',
      resourceNamespace: 'ns1',
      resourceKind: 'Pod',
      resourceName: 'a',
    });
    expect(eventContext('onKubernetesEvent', 'Deleted', { object: pod('', 'n') }, h).resourceEvent).toBe(
      'delete',
    );
  });

  it('items without full objects are ordered by namespace/Kind/name', () => {
    const items: RawSnapshotItem[] = [
      { ref: { namespace: 'a', kind: 'Pod', name: 'x' }, filterResult: 2 },
      { ref: { namespace: 'a', kind: 'ConfigMap', name: 'y' }, filterResult: 1 },
    ];
    expect(renderSnapshot({ name: 'b', keepFullObjectsInMemory: false, jqFilter: '.' }, items)).toEqual([
      { filterResult: 1 },
      { filterResult: 2 },
    ]);
  });
});
