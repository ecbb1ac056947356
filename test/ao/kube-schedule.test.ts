import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { alwaysFail, CallLog, checkReplayThenStop, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (name: string, labels: Record<string, string> = { app: 'x' }) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns1', labels },
});

const podsBinding = (extra: Record<string, unknown> = {}) => ({
  name: 'pods',
  apiVersion: 'v1',
  kind: 'Pod',
  labelSelector: { matchLabels: { app: 'x' } },
  ...extra,
});

describe('kubernetes bindings (docs/conformance.md, docs/conformance.md, docs/conformance.md)', () => {
  it('AO-45 a module with a kube hook synchronizes before beforeHelm, with the current objects', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('p1'), pod('p2')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', { kubernetes: [podsBinding()] }),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['a/hooks/k:kubernetes', 'a/hooks/b:beforeHelm']);
    const [sync] = log.of('hooks/k');
    expect(sync.bindingContexts).toHaveLength(1);
    expect(sync.bindingContexts[0]).toMatchObject({ binding: 'pods', type: 'Synchronization' });
    const objects = sync.bindingContexts[0].objects as { object: { metadata: { name: string } } }[];
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['p1', 'p2']);
  });

  it('AO-61 a kube event that changes module values queues one ModuleRun; AO-62 Synchronization changes do not', async () => {
    const log = new CallLog();
    let n = 0;
    t = await createTestEngine({
      objects: [pod('p1')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', { kubernetes: [podsBinding()] }, () => ({
              valuesPatch: [{ op: 'add', path: '/a/y', value: ++n }],
            })),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    expect(t.events.filter((e) => e.type === 'ModuleRunStarted')).toHaveLength(1);
    await t.cluster.apply(pod('p2'));
    const event = log.of('hooks/k').at(-1)!;
    expect(event.bindingContexts[0]).toMatchObject({ binding: 'pods', type: 'Event', watchEvent: 'Added' });
    const runs = t.events.filter((e) => e.type === 'ModuleRunStarted');
    expect(runs).toHaveLength(2);
    expect(runs[1]).toMatchObject({ trigger: 'Kubernetes-Change-ModuleValues' });
    expect(log.of('hooks/b').at(-1)?.values).toMatchObject({ a: { y: 2 } });
  });

  it('AO-40 a global kube event that changes global values queues a GlobalValuesChanged converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g.sh', { kubernetes: [podsBinding()] }, (input) => ({
          valuesPatch: [
            {
              op: 'add',
              path: '/global/count',
              value: (input.bindingContexts as unknown[]).length + Math.random(),
            },
          ],
        })),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    expect(t.events.filter((e) => e.type === 'ConvergeStarted')).toHaveLength(1);
    await t.cluster.apply(pod('p9'));
    const starts = t.events.filter((e) => e.type === 'ConvergeStarted');
    expect(starts).toHaveLength(2);
    expect(starts[1]).toMatchObject({
      reason: 'GlobalValuesChanged',
      trigger: 'Kubernetes-Change-GlobalValues',
    });
  });

  it('AO-105 allowFailure on a global kube event: the task succeeds and nothing is retried', async () => {
    t = await createTestEngine({
      globalHooks: [
        hook(
          new CallLog(),
          'g.sh',
          { kubernetes: [podsBinding({ allowFailure: true, executeHookOnSynchronization: false })] },
          alwaysFail(),
        ),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    await t.cluster.apply(pod('p1'));
    expect(t.metrics.get('global_hook_allowed_errors_total', { hook: 'g.sh' })).toBe(1);
    expect(t.events.some((e) => e.type === 'RetryScheduled')).toBe(false);
    expect(t.events.filter((e) => e.type === 'ConvergeStarted')).toHaveLength(1);
  });

  it('AO-104 AO-96 a global hook failing forever in a named queue does not block main', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(
          log,
          'g.sh',
          { kubernetes: [podsBinding({ queue: 'gq', executeHookOnSynchronization: false })] },
          alwaysFail(),
        ),
      ],
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }],
      config: { global: { x: 1 } },
    });
    await t.start();
    await t.cluster.apply(pod('p1'));
    await t.setConfig({ global: { x: 2 } });
    expect(log.names.filter((n) => n === 'a/hooks/b:beforeHelm')).toHaveLength(2);
    expect(t.queues().gq.tasks).toHaveLength(1);
    expect(
      t.events
        .filter((e) => e.type === 'RetryScheduled')
        .every((e) => (e as { queue: string }).queue === 'gq'),
    ).toBe(true);
  });

  it('AO-59 a module waits for the Synchronization of a named-queue binding before beforeHelm', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('p1')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', { kubernetes: [podsBinding({ queue: 'q' })] }),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['a/hooks/k:kubernetes', 'a/hooks/b:beforeHelm']);
    const sync = t.events.find((e) => e.type === 'HookStarted' && e.hook === 'hooks/k');
    expect(sync).toMatchObject({ queue: 'q', synchronization: true });
  });

  it('AO-7 TV-32 consecutive events of one hook are combined into one run with all contexts', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [podsBinding({ queue: 'q', executeHookOnSynchronization: false })],
            }),
          ],
        },
      ],
    });
    await t.start();
    // Three changes in one turn: their watch events reach queue q before its worker looks at it.
    t.clusterStore.put(pod('p1'));
    t.clusterStore.put(pod('p2'));
    t.clusterStore.put(pod('p3'));
    await t.settle();
    const runs = log.of('hooks/k');
    const contexts = runs.flatMap((r) => r.bindingContexts);
    expect(contexts.map((c) => (c.object as { metadata: { name: string } }).metadata.name)).toEqual([
      'p1',
      'p2',
      'p3',
    ]);
    expect(runs).toHaveLength(1);
  });

  it('AO-106 a queued hook task of a module disabled meanwhile completes without running', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [podsBinding({ queue: 'q', executeHookOnSynchronization: false })],
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    await t.cluster.apply(pod('p1'));
    expect(log.names).toEqual([]);
  });
});

describe('schedules (docs/conformance.md, docs/conformance.md)', () => {
  it('AO-19 ticks before the first converge is done create no task', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g.sh', { schedule: [{ crontab: '* * * * *' }] }),
        hook(log, 'g0.sh', { onStartup: 1 }, alwaysFail()),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    await t.advance(60_000);
    expect(t.events.some((e) => e.type === 'ScheduleFired')).toBe(true);
    expect(log.names.filter((n) => n.startsWith('g.sh'))).toEqual([]);
  });

  it('AO-97 one tick queues global hook tasks first, then module hooks in module order', async () => {
    const log = new CallLog();
    const every5 = { schedule: [{ crontab: '*/5 * * * *' }] };
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', every5)],
      modules: [
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/s', every5)] },
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/s', every5)] },
      ],
    });
    await t.start();
    await t.advance(5 * 60_000);
    expect(log.names).toEqual(['g.sh:schedule', 'a/hooks/s:schedule', 'b/hooks/s:schedule']);
    expect(log.of('g.sh')[0].bindingContexts).toEqual([{ binding: 'schedule', type: 'Schedule' }]);
  });

  it('AO-98 a disabled module’s schedule produces no task', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/s', { schedule: [{ crontab: '*/5 * * * *' }] })] }],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    await t.tick('*/5 * * * *');
    expect(log.names).toEqual([]);
  });
});
