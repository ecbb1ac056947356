import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { alwaysFail, CallLog, checkReplayThenStop, failTimes, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', labels: { app: 'x' } },
});
const pods = (extra: Record<string, unknown>) => ({
  name: 'pods',
  apiVersion: 'v1',
  kind: 'Pod',
  labelSelector: { matchLabels: { app: 'x' } },
  ...extra,
});

describe('combining, parallel cancellation and invalid config', () => {
  it('AO-8 TV-33 consecutive contexts of one group collapse to the last one', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/g', {
              kubernetes: [pods({ queue: 'q', group: 'main', executeHookOnSynchronization: false })],
            }),
          ],
        },
      ],
    });
    await t.start();
    for (const n of ['p1', 'p2', 'p3']) t.clusterStore.put(pod(n));
    await t.settle();
    const runs = log.of('hooks/g');
    expect(runs).toHaveLength(1);
    expect(runs[0].bindingContexts).toHaveLength(1);
    expect(runs[0].bindingContexts[0]).toMatchObject({ binding: 'pods', type: 'Group', groupName: 'main' });
    const snap = runs[0].bindingContexts[0].snapshots as Record<string, unknown[]>;
    expect(snap.pods).toHaveLength(3);
  });

  it('AO-9 TV-34 Synchronization tasks with different waitForSynchronization are not combined', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('p1')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [
                { ...pods({ queue: 'q' }), name: 'waited' },
                { ...pods({ queue: 'q', waitForSynchronization: false }), name: 'not-waited' },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    const syncRuns = log
      .of('hooks/k')
      .filter((r) => r.bindingContexts.some((c) => c.type === 'Synchronization'));
    expect(syncRuns.map((r) => r.bindingContexts.map((c) => c.binding))).toEqual([
      ['waited'],
      ['not-waited'],
    ]);
  });

  it('AO-93 a config change that restarts the converge cancels a running parallel group', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
        { name: 'b', order: 10, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, alwaysFail('stuck'))] },
        { name: 'c', order: 20, enabled: false },
      ],
    });
    await t.start();
    expect(t.queues().main.running).toBeDefined(); // ParallelModuleRun blocks main while b retries
    await t.setConfig({ cEnabled: true });
    const reasons = t.events
      .filter((e) => e.type === 'ConvergeStarted')
      .map((e) => (e as { reason: string }).reason);
    expect(reasons).toEqual(['OperatorStartup', 'ReloadAllModules']);
    expect(t.state.converge.context.groups).toEqual([['a', 'b'], ['c']]);
  });

  it('AO-101 an unparsable config queues nothing, counts errors every 5 s, and the next valid one is compared with the last valid one', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, failTimes(0))] }],
      config: { global: { x: 1 } },
    });
    await t.start();
    const before = t.events.length;
    t.configSource.setInvalid('yaml: line 1: did not find expected key');
    await t.advance(12_000);
    expect(t.events.length).toBe(before);
    expect(t.metrics.get('config_values_errors_total')).toBe(3);
    await t.setConfig({ global: { x: 1 } });
    expect(t.events.length).toBe(before); // same as the last valid config: no change
    await t.advance(10_000);
    expect(t.metrics.get('config_values_errors_total')).toBe(3);
  });
});
