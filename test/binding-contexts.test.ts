import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from './support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (name: string, containers: string[] = ['app'], namespace = 'ns1') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace },
  spec: { containers: containers.map((c) => ({ name: c })) },
});

describe('binding contexts the engine hands to hooks (docs/conformance.md)', () => {
  it('TV-20 a schedule including an empty kubernetes snapshot', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/s', {
              kubernetes: [{ name: 'pods', kind: 'Pod', executeHookOnSynchronization: false }],
              schedule: [{ name: 'every-min', crontab: '* * * * *', includeSnapshotsFrom: ['pods'] }],
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.tick('* * * * *');
    expect(log.of('hooks/s').at(-1)?.bindingContexts).toEqual([
      { binding: 'every-min', type: 'Schedule', snapshots: { pods: [] } },
    ]);
  });

  it('TV-21 Synchronization without full objects and without jq gives empty items', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('a'), pod('b')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [{ name: 'pods', kind: 'Pod', keepFullObjectsInMemory: false }],
            }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.of('hooks/k')[0].bindingContexts).toEqual([
      { binding: 'pods', type: 'Synchronization', objects: [{}, {}] },
    ]);
  });

  it('TV-22 jq output cardinality: many → array, one → value, none → null', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('two', ['app', 'sidecar']), pod('one', ['app']), pod('zero', [])],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [{ name: 'pods', kind: 'Pod', jqFilter: '.spec.containers[].name' }],
            }),
          ],
        },
      ],
    });
    await t.start();
    const objects = log.of('hooks/k')[0].bindingContexts[0].objects as {
      object: { metadata: { name: string } };
      filterResult: unknown;
    }[];
    expect(Object.fromEntries(objects.map((o) => [o.object.metadata.name, o.filterResult]))).toEqual({
      two: ['app', 'sidecar'],
      one: 'app',
      zero: null,
    });
  });

  it('TV-23 a grouped Synchronization has no objects, only the group snapshots', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('a')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [{ name: 'pods', kind: 'Pod', group: 'g1', jqFilter: '.metadata.name' }],
            }),
          ],
        },
      ],
    });
    await t.start();
    const [ctx] = log.of('hooks/k')[0].bindingContexts;
    expect(ctx).toMatchObject({ binding: 'pods', type: 'Group', groupName: 'g1' });
    expect(ctx).not.toHaveProperty('objects');
    expect(ctx.snapshots).toEqual({
      pods: [{ object: expect.objectContaining({ kind: 'Pod' }), filterResult: 'a' }],
    });
  });

  it('TV-24 a Deleted event without the full object carries only filterResult', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('a')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [
                {
                  name: 'pods',
                  kind: 'Pod',
                  keepFullObjectsInMemory: false,
                  jqFilter: '{n: .metadata.name}',
                  executeHookOnSynchronization: false,
                },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.cluster.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns1', name: 'a' });
    expect(log.of('hooks/k').at(-1)?.bindingContexts).toEqual([
      { binding: 'pods', type: 'Event', watchEvent: 'Deleted', filterResult: { n: 'a' } },
    ]);
  });

  it('TV-25 lifecycle contexts carry every kubernetes binding of the hook, sorted', async () => {
    const log = new CallLog();
    const node = (name: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    t = await createTestEngine({
      objects: [node('n2'), node('n1')],
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1 })],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/before', { beforeHelm: 1 }),
            hook(log, 'hooks/after', {
              afterHelm: 1,
              kubernetes: [
                {
                  name: 'nodes',
                  kind: 'Node',
                  jqFilter: '.metadata.name',
                  executeHookOnSynchronization: false,
                },
                {
                  name: 'cms',
                  kind: 'ConfigMap',
                  labelSelector: { matchLabels: { none: 'x' } },
                  executeHookOnSynchronization: false,
                },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.of('hooks/before')[0].bindingContexts).toEqual([{ binding: 'beforeHelm', snapshots: {} }]);
    expect(log.of('g.sh')[0].bindingContexts).toEqual([{ binding: 'beforeAll', snapshots: {} }]);
    const [after] = log.of('hooks/after')[0].bindingContexts;
    expect(after.binding).toBe('afterHelm');
    const snaps = after.snapshots as Record<string, { filterResult: unknown }[]>;
    expect(snaps.cms).toEqual([]);
    expect(snaps.nodes.map((i) => i.filterResult)).toEqual(['n1', 'n2']);
  });
});
