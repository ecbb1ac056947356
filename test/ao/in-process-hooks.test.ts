import { defineHook } from '@converge/sdk';
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

const cron = { schedule: [{ crontab: '* * * * *', queue: 'cron' }] };

describe('in-process hooks follow addon-operator’s Go hooks', () => {
  it('AO-19 a hook with settings.enableSchedulesOnStartup gets schedule runs before the first converge is done', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'early', { ...cron, settings: { enableSchedulesOnStartup: true } }),
        hook(log, 'late', cron),
      ],
      // The first converge never completes: a's beforeHelm keeps failing.
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 }, alwaysFail())] }],
    });
    await t.start();
    expect(t.events.some((e) => e.type === 'ConvergeCompleted')).toBe(false);
    await t.tick('* * * * *');
    expect(log.names.filter((n) => n.endsWith(':schedule'))).toEqual(['early:schedule']);
  });

  it('AO-19 enableSchedulesOnStartup of a module hook counts once the module’s schedules are enabled', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          order: 1,
          hooks: [hook(log, 'hooks/s', { ...cron, settings: { enableSchedulesOnStartup: true } })],
        },
        { name: 'b', order: 2, hooks: [hook(log, 'hooks/b', { beforeHelm: 1 }, alwaysFail())] },
      ],
    });
    await t.start();
    await t.tick('* * * * *');
    expect(log.names.filter((n) => n.endsWith(':schedule'))).toEqual(['a/hooks/s:schedule']);
  });

  it('AO-48 lifecycle orders may be fractional and sort as numbers (go_hook.OrderedConfig is a float)', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'c', { beforeAll: 2 }),
        hook(log, 'b', { beforeAll: 1.5 }),
        hook(log, 'a', { beforeAll: 1 }),
      ],
      modules: [
        {
          name: 'm',
          hooks: [hook(log, 'hooks/y', { beforeHelm: 0.25 }), hook(log, 'hooks/x', { beforeHelm: 0.5 })],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual([
      'a:beforeAll',
      'b:beforeAll',
      'c:beforeAll',
      'm/hooks/y:beforeHelm',
      'm/hooks/x:beforeHelm',
    ]);
    const registered = t.events.find((e) => e.type === 'GlobalHooksRegistered') as {
      hooks: { orders: object }[];
    };
    expect(registered.hooks.map((h) => h.orders)).toContainEqual({ beforeAll: 1.5 });
  });

  it('AO-56 a failing SDK hook still applies its metrics and its ignoreHookError /status patches, nothing else', async () => {
    const widget = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', namespace: 'default' } };
    const failing = defineHook({
      name: 'hooks/status',
      config: { configVersion: 'v1', beforeHelm: 1 },
      run: ({ metrics, patches, values }) => {
        metrics.set('attempts', 7);
        patches.mergePatch({ status: { phase: 'Failed' } }, 'v1', 'ConfigMap', 'default', 'w', {
          subresource: '/status',
          ignoreHookError: true,
        });
        patches.mergePatch({ status: { other: 'x' } }, 'v1', 'ConfigMap', 'default', 'w', {
          subresource: '/status',
        });
        patches.mergePatch({ data: { x: '1' } }, 'v1', 'ConfigMap', 'default', 'w', {
          ignoreHookError: true,
        });
        values.set('a.touched', true);
        throw new Error('reconcile failed');
      },
    });
    t = await createTestEngine({ objects: [widget], modules: [{ name: 'a', hooks: [failing] }] });
    await t.start();
    expect(t.events.find((e) => e.type === 'HookFailed')).toMatchObject({
      hook: 'hooks/status',
      error: 'reconcile failed',
    });
    expect(t.metrics.get('attempts', { hook: 'hooks/status', module: 'a' })).toBe(7);
    const stored = t.cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'w',
    }) as {
      status?: unknown;
      data?: unknown;
    };
    expect(stored.status).toEqual({ phase: 'Failed' });
    expect(stored.data).toBeUndefined();
    expect(t.events.some((e) => e.type === 'ValuesChanged')).toBe(false);
  });
});
