import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import {
  alwaysFail,
  CallLog,
  checkReplayThenStop,
  failTimes,
  hook,
  markerChart,
  retryDelays,
} from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };

async function moduleA(
  log: CallLog,
  opts: {
    bd1?: Parameters<typeof hook>[3];
    bd2?: Parameters<typeof hook>[3];
    ad?: Parameters<typeof hook>[3];
    chart?: boolean;
    releaseExists?: boolean;
  } = {},
) {
  t = await createTestEngine({
    modules: [
      {
        name: 'a',
        order: 10,
        ...(opts.chart === false ? {} : { chart: markerChart('a') }),
        hooks: [
          hook(log, 'hooks/bd1', { beforeDeleteHelm: 10 }, opts.bd1),
          hook(log, 'hooks/bd2', { beforeDeleteHelm: 5 }, opts.bd2),
          hook(log, 'hooks/ad', { afterDeleteHelm: 1 }, opts.ad),
        ],
      },
    ],
  });
  await t.start();
  return t;
}

const deleteSteps = (t: TestEngine) =>
  t.events
    .filter(
      (e) =>
        (e.type === 'HookStarted' && (e.binding === 'beforeDeleteHelm' || e.binding === 'afterDeleteHelm')) ||
        e.type === 'HelmReleaseUninstalled' ||
        e.type === 'ModuleDeleted',
    )
    .map((e) => (e.type === 'HookStarted' ? e.hook : e.type));

describe('module delete and beforeDeleteHelm (docs/conformance.md)', () => {
  it('AO-67 delete with release runs bd2, bd1, uninstall, ad in that order and resets the module', async () => {
    const log = new CallLog();
    await moduleA(log);
    expect(t!.releases().map((r) => r.name)).toEqual(['a']);
    await t!.setConfig({ aEnabled: false });
    expect(deleteSteps(t!)).toEqual([
      'hooks/bd2',
      'hooks/bd1',
      'HelmReleaseUninstalled',
      'hooks/ad',
      'ModuleDeleted',
    ]);
    expect(t!.releases()).toEqual([]);
    expect(t!.cluster.get(marker)).toBeUndefined();
    expect(t!.state.modules.a.value).toBe('deleted');
    expect(t!.state.modules.a.context.registered).toBe(false);
  });

  it('AO-69 a beforeDeleteHelm failure aborts deletion and retries with backoff from the first hook', async () => {
    const log = new CallLog();
    await moduleA(log, { bd2: alwaysFail('cleanup refused') });
    await t!.setConfig({ aEnabled: false });
    await t!.advance(5_000);
    await t!.advance(7_000);
    const steps = deleteSteps(t!);
    expect(steps.filter((s) => s === 'hooks/bd2')).toHaveLength(3);
    expect(steps).not.toContain('hooks/bd1');
    expect(steps).not.toContain('HelmReleaseUninstalled');
    expect(steps).not.toContain('hooks/ad');
    expect(t!.releases().map((r) => r.name)).toEqual(['a']);
    expect(t!.cluster.get(marker)).toBeDefined();
    const delays = retryDelays(t!.events, 'a');
    expect(delays[0]).toBe(5_000);
    expect(delays[1]).toBeGreaterThanOrEqual(6_000);
    expect(delays[1]).toBeLessThanOrEqual(6_900);
    expect(delays[1] % 100).toBe(0);
    expect(t!.metrics.get('module_delete_errors_total', { module: 'a' })).toBe(3);
    const failed = t!.events.filter((e) => e.type === 'ModuleFailed');
    expect(failed.at(-1)).toMatchObject({ module: 'a', phase: 'beforeDeleteHelm' });
    expect(String((failed.at(-1) as { error: string }).error)).toContain('cleanup refused');
  });

  it('AO-69 each retry re-runs every beforeDeleteHelm hook from the first, not from the one that failed', async () => {
    const log = new CallLog();
    // bd2 (order 5) succeeds every time; bd1 (order 10), the second, fails twice.
    await moduleA(log, { bd1: failTimes(2, 'bd1 refused') });
    await t!.setConfig({ aEnabled: false });
    await t!.advance(60_000);
    expect(log.names).toEqual([
      'a/hooks/bd2:beforeDeleteHelm',
      'a/hooks/bd1:beforeDeleteHelm',
      'a/hooks/bd2:beforeDeleteHelm',
      'a/hooks/bd1:beforeDeleteHelm',
      'a/hooks/bd2:beforeDeleteHelm',
      'a/hooks/bd1:beforeDeleteHelm',
      'a/hooks/ad:afterDeleteHelm',
    ]);
    expect(deleteSteps(t!).slice(-4)).toEqual([
      'hooks/bd1',
      'HelmReleaseUninstalled',
      'hooks/ad',
      'ModuleDeleted',
    ]);
    expect(t!.releases()).toEqual([]);
  });

  it('AO-70 beforeDeleteHelm succeeding on the third attempt uninstalls and runs afterDeleteHelm exactly once', async () => {
    const log = new CallLog();
    await moduleA(log, { bd2: failTimes(2) });
    await t!.setConfig({ aEnabled: false });
    await t!.advance(60_000);
    const steps = deleteSteps(t!);
    expect(steps.filter((s) => s === 'hooks/bd2')).toHaveLength(3);
    expect(steps.filter((s) => s === 'hooks/bd1')).toHaveLength(1);
    expect(steps.filter((s) => s === 'HelmReleaseUninstalled')).toHaveLength(1);
    expect(steps.filter((s) => s === 'hooks/ad')).toHaveLength(1);
    expect(t!.releases()).toEqual([]);
    expect(t!.cluster.get(marker)).toBeUndefined();
  });

  it('AO-71 with a chart but no release, beforeDeleteHelm and uninstall are skipped and afterDeleteHelm runs', async () => {
    const log = new CallLog();
    await moduleA(log);
    await t!.releaseStore.uninstall('a');
    await t!.setConfig({ aEnabled: false });
    expect(deleteSteps(t!)).toEqual(['hooks/ad', 'ModuleDeleted']);
    expect(t!.events.find((e) => e.type === 'HelmReleaseChecked')).toMatchObject({ exists: false });
  });

  it('AO-72 a module without a chart runs only afterDeleteHelm hooks', async () => {
    const log = new CallLog();
    await moduleA(log, { chart: false });
    await t!.setConfig({ aEnabled: false });
    expect(deleteSteps(t!)).toEqual(['hooks/ad', 'ModuleDeleted']);
    expect(t!.events.some((e) => e.type === 'HelmReleaseChecked')).toBe(false);
  });

  it('AO-74 an afterDeleteHelm failure retries, finds no release and runs only afterDeleteHelm again', async () => {
    const log = new CallLog();
    await moduleA(log, { ad: failTimes(1) });
    await t!.setConfig({ aEnabled: false });
    await t!.advance(5_000);
    expect(deleteSteps(t!)).toEqual([
      'hooks/bd2',
      'hooks/bd1',
      'HelmReleaseUninstalled',
      'hooks/ad',
      'hooks/ad',
      'ModuleDeleted',
    ]);
    const checks = t!.events
      .filter((e) => e.type === 'HelmReleaseChecked')
      .map((e) => (e as { exists: boolean }).exists);
    expect(checks).toEqual([true, false]);
  });

  it('AO-77 modules disabled in one converge are deleted in reverse module order', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/ad', { afterDeleteHelm: 1 })] },
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/ad', { afterDeleteHelm: 1 })] },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false, bEnabled: false });
    expect(
      t.events.filter((e) => e.type === 'ModuleDeleted').map((e) => (e as { module: string }).module),
    ).toEqual(['b', 'a']);
  });
});

describe('the beforeDeleteHelm binding (users’ five behaviours)', () => {
  it('AO-68 fires just before uninstall in queue main with [{binding: beforeDeleteHelm, snapshots}] including chart objects', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/cleanup', {
              beforeDeleteHelm: 1,
              kubernetes: [
                {
                  name: 'markers',
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  nameSelector: { matchNames: ['a-marker'] },
                  executeHookOnEvent: [],
                  executeHookOnSynchronization: false,
                },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    const [input] = log.of('hooks/cleanup');
    expect(input.binding).toBe('beforeDeleteHelm');
    expect(input.bindingContexts).toHaveLength(1);
    expect(input.bindingContexts[0].binding).toBe('beforeDeleteHelm');
    const snap = (
      input.bindingContexts[0].snapshots as Record<string, { object: { metadata: { name: string } } }[]>
    ).markers;
    expect(snap.map((i) => i.object.metadata.name)).toEqual(['a-marker']);
    const started = t.events.find((e) => e.type === 'HookStarted' && e.binding === 'beforeDeleteHelm');
    expect(started).toMatchObject({ queue: 'main' });
    const seqs = t.events.filter((e) => ['HookSucceeded', 'HelmReleaseUninstalled'].includes(e.type));
    const bdh = seqs.findIndex((e) => e.type === 'HookSucceeded' && e.binding === 'beforeDeleteHelm');
    expect(seqs[bdh + 1]?.type).toBe('HelmReleaseUninstalled');
  });
});
