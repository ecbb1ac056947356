import { createTestEngine, type HookInput, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import {
  alwaysFail,
  CallLog,
  checkReplayThenStop,
  failTimes,
  hook,
  markerChart,
} from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const ofType = <T extends string>(t: TestEngine, type: T) =>
  t.events.filter((e) => e.type === type) as Extract<TestEngine['events'][number], { type: T }>[];

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns1', labels: { app: 'x' } },
});

const sharedPods = {
  kubernetes: [
    {
      name: 'pods',
      apiVersion: 'v1',
      kind: 'Pod',
      labelSelector: { matchLabels: { app: 'x' } },
      queue: 'shared',
      executeHookOnSynchronization: false,
    },
  ],
};

const podNames = (inputs: HookInput[]) =>
  inputs.flatMap((i) =>
    i.bindingContexts.map((c) => (c.object as { metadata: { name: string } } | undefined)?.metadata.name),
  );

describe('module delete (addon-operator pkg/task/tasks/module-delete/task.go, docs/conformance.md)', () => {
  it('AO-73 (Q7 fixed) a failing release-status check fails the delete and retries; no hook runs on a guess', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/bd', { beforeDeleteHelm: 1 }),
            hook(log, 'hooks/ad', { afterDeleteHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    t.releaseStore.failNext('status', 'etcdserver: request timed out');
    await t.setConfig({ aEnabled: false });
    expect(ofType(t, 'HelmOperationFailed')).toEqual([
      expect.objectContaining({
        module: 'a',
        operation: 'status',
        error: expect.stringContaining('timed out'),
      }),
    ]);
    expect(ofType(t, 'ModuleFailed')).toEqual([
      expect.objectContaining({ module: 'a', phase: 'checkRelease' }),
    ]);
    expect(ofType(t, 'RetryScheduled')).toEqual([
      expect.objectContaining({ task: 'ModuleDelete', module: 'a', delayMs: 5_000 }),
    ]);
    expect(log.names).toEqual([]);
    expect(t.releases().map((r) => r.name)).toEqual(['a']);
    expect(t.metrics.get('module_delete_errors_total', { module: 'a' })).toBe(1);
    await t.advance(5_000);
    expect(log.names).toEqual(['a/hooks/bd:beforeDeleteHelm', 'a/hooks/ad:afterDeleteHelm']);
    expect(t.releases()).toEqual([]);
    expect(t.state.modules.a.value).toBe('deleted');
  });

  it('AO-76 (Q10 fixed) a delete removes only its own module’s tasks from a shared named queue', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/ka', sharedPods)] },
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/kb', sharedPods, failTimes(1))] },
      ],
    });
    await t.start();
    // b's first event fails and sleeps at the head of `shared`; the next events queue behind it.
    await t.cluster.apply(pod('p1'));
    const afterFirst = log.of('hooks/ka').length;
    await t.cluster.apply(pod('p2'));
    const shared = t.queues().shared.tasks;
    expect(shared[0]).toBe('ModuleHookRun:b:hooks/kb');
    expect(shared).toContain('ModuleHookRun:a:hooks/ka');
    expect(shared.filter((x) => x === 'ModuleHookRun:b:hooks/kb').length).toBeGreaterThanOrEqual(2);

    await t.setConfig({ aEnabled: false });
    expect(t.state.modules.a.value).toBe('deleted');
    expect(t.queues().shared.tasks.every((x) => x === 'ModuleHookRun:b:hooks/kb')).toBe(true);
    await t.advance(5_000);
    // a's queued events were dropped; b's were all delivered (p1 once failed, then p1 and p2).
    expect(log.of('hooks/ka')).toHaveLength(afterFirst);
    const bSeen = podNames(log.of('hooks/kb'));
    expect(bSeen.filter((n) => n === 'p2')).toHaveLength(1);
    expect(bSeen.filter((n) => n === 'p1')).toHaveLength(2);
    expect(t.queues().shared.tasks).toEqual([]);
  });

  it('AO-79 (Q11 fixed) a module re-enabled while its delete is failing resumes at beforeHelm and gets its schedules back', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/o', { onStartup: 1 }),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
            hook(log, 'hooks/bd', { beforeDeleteHelm: 1 }, alwaysFail('cannot delete yet')),
            hook(log, 'hooks/s', { schedule: [{ crontab: '*/5 * * * *' }] }),
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    await t.advance(5_000);
    expect(log.of('hooks/bd')).toHaveLength(2);
    await t.tick('*/5 * * * *');
    expect(log.of('hooks/s')).toHaveLength(0);

    await t.setConfig({ aEnabled: true });
    expect(log.of('hooks/bd')).toHaveLength(2);
    expect(log.of('hooks/o')).toHaveLength(1);
    expect(log.of('hooks/b')).toHaveLength(2);
    expect(ofType(t, 'ModuleRunStarted').at(-1)).toMatchObject({ module: 'a', doStartup: false });
    expect(t.state.modules.a.value).toBe('ready');
    expect(t.releases().map((r) => r.name)).toEqual(['a']);
    expect(t.events.some((e) => e.type === 'HelmReleaseUninstalled')).toBe(false);
    await t.advance(60_000);
    expect(log.of('hooks/bd')).toHaveLength(2);
    await t.tick('*/5 * * * *');
    expect(log.of('hooks/s')).toHaveLength(1);
  });
});
