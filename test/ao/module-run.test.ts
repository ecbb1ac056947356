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

const lifecycle = (t: TestEngine) =>
  t.events
    .filter((e) => e.type === 'HookStarted' || e.type.startsWith('Helm') || e.type === 'ModuleReady')
    .map((e) =>
      e.type === 'HookStarted'
        ? `${e.binding}:${e.hook}`
        : e.type === 'HelmUpgradeSkipped'
          ? `HelmUpgradeSkipped:${e.reason}`
          : e.type,
    );

describe('module run (docs/conformance.md)', () => {
  it('AO-46 AO-53 a first run goes onStartup, beforeHelm, install, afterHelm, ready', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/start', { onStartup: 1 }),
            hook(log, 'hooks/before', { beforeHelm: 1 }),
            hook(log, 'hooks/after', { afterHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    expect(lifecycle(t)).toEqual([
      'onStartup:hooks/start',
      'beforeHelm:hooks/before',
      'HelmReleaseUpgraded',
      'afterHelm:hooks/after',
      'ModuleReady',
    ]);
    expect(t.releases()).toMatchObject([{ name: 'a', revision: 1, status: 'deployed' }]);
    expect(t.state.modules.a.value).toBe('ready');
  });

  it('AO-47 AO-44 later runs skip onStartup and skip Helm when the manifest is unchanged', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [hook(log, 'hooks/start', { onStartup: 1 }), hook(log, 'hooks/before', { beforeHelm: 1 })],
        },
      ],
      config: { global: { x: 1 } },
    });
    await t.start();
    log.clear();
    await t.setConfig({ global: { x: 2 } });
    expect(log.names).toEqual(['a/hooks/before:beforeHelm']);
    expect(t.events.filter((e) => e.type === 'HelmUpgradeSkipped')).toHaveLength(1);
    expect(t.releases()[0].revision).toBe(1);
  });

  it('AO-48 lifecycle hooks run by order, ties by name', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/b', { beforeHelm: 10, afterHelm: 10 }),
            hook(log, 'hooks/a', { beforeHelm: 10, afterHelm: 10 }),
            hook(log, 'hooks/z', { beforeHelm: 5, afterHelm: 5 }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual([
      'a/hooks/z:beforeHelm',
      'a/hooks/a:beforeHelm',
      'a/hooks/b:beforeHelm',
      'a/hooks/z:afterHelm',
      'a/hooks/a:afterHelm',
      'a/hooks/b:afterHelm',
    ]);
  });

  it('AO-44 a values change the chart does not use leaves the manifest checksum alone: no upgrade', async () => {
    let n = 0;
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            {
              name: 'hooks/before',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: () => ({ valuesPatch: [{ op: 'add', path: '/a/n', value: ++n }] }),
            },
          ],
        },
      ],
      config: { global: { x: 1 } },
    });
    await t.start();
    const first = t.releases()[0];
    await t.setConfig({ global: { x: 2 } });
    // Values changed but the plain chart does not use them: the manifest checksum is unchanged.
    expect(t.releases()[0].revision).toBe(first.revision);
    expect(t.events.filter((e) => e.type === 'HelmUpgradeSkipped')).toHaveLength(1);
  });

  it('AO-52 an absent chart resource triggers an upgrade even with an equal checksum', async () => {
    t = await createTestEngine({
      modules: [{ name: 'a', chart: markerChart('a') }],
      config: { global: { x: 1 } },
    });
    await t.start();
    await t.cluster.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' });
    await t.setConfig({ global: { x: 2 } });
    expect(t.releases()[0].revision).toBe(2);
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' }),
    ).toBeDefined();
  });

  it('AO-54 a module without a chart runs beforeHelm and afterHelm and makes no Helm call', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [hook(log, 'hooks/b', { beforeHelm: 1 }), hook(log, 'hooks/c', { afterHelm: 1 })],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['a/hooks/b:beforeHelm', 'a/hooks/c:afterHelm']);
    expect(t.events.some((e) => e.type.startsWith('Helm'))).toBe(false);
    expect(t.state.modules.a.value).toBe('ready');
  });

  it('AO-55 an afterHelm values change re-runs the module once, right after', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/b', { beforeHelm: 1 }),
            hook(log, 'hooks/after', { afterHelm: 1 }, (_i, call) =>
              call === 1 ? { valuesPatch: [{ op: 'add', path: '/a/x', value: 1 }] } : undefined,
            ),
          ],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual([
      'a/hooks/b:beforeHelm',
      'a/hooks/after:afterHelm',
      'a/hooks/b:beforeHelm',
      'a/hooks/after:afterHelm',
    ]);
    const rerun = t.events
      .filter((e) => e.type === 'ModuleRunStarted')
      .map((e) => (e as { trigger: string }).trigger);
    expect(rerun).toEqual(['OperatorStartup', 'AfterHelm-Hooks-Change-Values']);
    expect(t.values('a')).toMatchObject({ x: 1 });
    expect(t.events.filter((e) => e.type === 'ModuleReady')).toHaveLength(1);
  });

  it('AO-56 a beforeHelm failure retries after 5 s from beforeHelm, without onStartup', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/s', { onStartup: 1 }),
            hook(log, 'hooks/b', { beforeHelm: 1 }, failTimes(1)),
          ],
        },
      ],
    });
    await t.start();
    expect(t.state.modules.a.value).toEqual({ running: 'failed' });
    await t.advance(4_999);
    expect(log.names).toEqual(['a/hooks/s:onStartup', 'a/hooks/b:beforeHelm']);
    await t.advance(1);
    expect(log.names).toEqual(['a/hooks/s:onStartup', 'a/hooks/b:beforeHelm', 'a/hooks/b:beforeHelm']);
    expect(t.state.modules.a.value).toBe('ready');
    expect(t.metrics.get('module_run_errors_total', { module: 'a' })).toBe(1);
  });

  it('AO-57 an onStartup failure re-runs every onStartup hook', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/o1', { onStartup: 1 }),
            hook(log, 'hooks/o2', { onStartup: 2 }, failTimes(1)),
          ],
        },
      ],
    });
    await t.start();
    await t.advance(5_000);
    expect(log.names).toEqual([
      'a/hooks/o1:onStartup',
      'a/hooks/o2:onStartup',
      'a/hooks/o1:onStartup',
      'a/hooks/o2:onStartup',
    ]);
  });

  it('AO-58 a Helm failure retries beforeHelm, Helm and afterHelm', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [hook(log, 'hooks/b', { beforeHelm: 1 }), hook(log, 'hooks/c', { afterHelm: 1 })],
        },
      ],
    });
    t.releaseStore.failNext('upgrade', 'UPGRADE FAILED: timed out');
    await t.start();
    expect(t.events.find((e) => e.type === 'HelmOperationFailed')).toMatchObject({
      module: 'a',
      operation: 'upgrade',
    });
    await t.advance(5_000);
    expect(log.names).toEqual(['a/hooks/b:beforeHelm', 'a/hooks/b:beforeHelm', 'a/hooks/c:afterHelm']);
    expect(t.releases()).toHaveLength(1);
  });

  it('AO-1 a task that always fails waits 5 s, then 6–6.9 s, 7–7.9, 9–9.9, 13–13.9, 21–21.9, then 32 s', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            {
              name: 'hooks/b',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: (input) => alwaysFail()(input, 1),
            },
          ],
        },
      ],
    });
    await t.start();
    await t.advance(200_000);
    const delays = retryDelays(t.events, 'a').slice(0, 8);
    expect(delays[0]).toBe(5_000);
    const ranges = [
      [6_000, 6_900],
      [7_000, 7_900],
      [9_000, 9_900],
      [13_000, 13_900],
      [21_000, 21_900],
    ];
    ranges.forEach(([lo, hi], i) => {
      expect(delays[i + 1]).toBeGreaterThanOrEqual(lo);
      expect(delays[i + 1]).toBeLessThanOrEqual(hi);
      expect(delays[i + 1] % 100).toBe(0);
    });
    expect(delays.slice(6)).toEqual([32_000, 32_000]);
    const attempts = t.events
      .filter((e) => e.type === 'HookFailed')
      .map((e) => (e as { attempt: number }).attempt);
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
  });

  it('AO-60 a ModuleRun for a disabled module does nothing', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [{ name: 'a', enabled: false, hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }],
    });
    await t.start();
    expect(log.names).toEqual([]);
    expect(t.state.modules.a.value).toBe('disabled');
  });
});
