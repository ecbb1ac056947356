import type { JsonPatchOperation } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { alwaysFail, CallLog, checkReplayThenStop, hook, markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

describe('values (docs/conformance.md)', () => {
  it('AO-80 values layer static, config defaults, config, values defaults and hook patches', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          values: { x: 1, y: 2, z: 1 },
          configDefaults: (v) => ({ w: 0, ...v }),
          valuesDefaults: (v) => ({ v: 9, ...v }),
          hooks: [
            hook(log, 'hooks/p', { beforeHelm: 1 }, () => ({
              valuesPatch: [{ op: 'add', path: '/a/x', value: 4 }],
            })),
          ],
        },
      ],
      config: { a: { z: 3 } },
    });
    await t.start();
    expect(t.values('a')).toEqual({ x: 4, y: 2, z: 3, w: 0, v: 9 });
    expect(log.of('hooks/p')[0].configValues).toEqual({ global: {}, a: { z: 3 } });
  });

  it('AO-81 arrays from a later layer replace earlier ones', async () => {
    t = await createTestEngine({
      modules: [{ name: 'a', values: { list: [1, 2] } }],
      config: { a: { list: [3] } },
    });
    await t.start();
    expect(t.values('a')).toEqual({ list: [3] });
  });

  it('AO-82 AO-83 AO-84 a patch outside the module key, a replace, or a remove of a missing path fails the hook', async () => {
    for (const bad of [
      { op: 'add', path: '/b/x', value: 1 },
      { op: 'replace', path: '/a/x', value: 1 },
      { op: 'remove', path: '/a/missing' },
    ]) {
      t = await createTestEngine({
        modules: [
          {
            name: 'a',
            values: { x: 0 },
            hooks: [
              hook(new CallLog(), 'hooks/p', { beforeHelm: 1 }, () => ({
                valuesPatch: [bad as JsonPatchOperation],
              })),
            ],
          },
        ],
      });
      await t.start();
      const failed = t.events.find((e) => e.type === 'HookFailed');
      expect(failed, JSON.stringify(bad)).toBeDefined();
      expect(t.values('a')).toEqual({ x: 0 });
      await t.stop();
      t = undefined;
    }
  });

  it('AO-85 a values patch that breaks the values schema fails the hook and is not stored', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          validateValues: (v) => (typeof v.x === 'number' ? 'x: must be string' : undefined),
          hooks: [
            hook(new CallLog(), 'hooks/p', { beforeHelm: 1 }, () => ({
              valuesPatch: [{ op: 'add', path: '/a/x', value: 5 }],
            })),
          ],
        },
      ],
    });
    await t.start();
    const failed = t.events.find((e) => e.type === 'HookFailed') as { error: string } | undefined;
    expect(failed?.error).toContain('cannot apply values patch for module values');
    expect(t.values('a')).toEqual({});
    expect(t.events.some((e) => e.type === 'ValuesChanged')).toBe(false);
    expect(t.events.some((e) => e.type === 'RetryScheduled')).toBe(true);
  });

  it('AO-86 a config values patch is persisted to the config and reaches the module config values', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(new CallLog(), 'hooks/p', { beforeHelm: 1 }, () => ({
              configValuesPatch: [{ op: 'add', path: '/a/password', value: 's3cr3t' }],
            })),
          ],
        },
      ],
    });
    await t.start();
    expect(t.configSource.saved).toEqual([{ section: 'a', values: { password: 's3cr3t' } }]);
    expect(t.state.configValues.a).toEqual({ password: 's3cr3t' });
    expect(t.values('a')).toMatchObject({ password: 's3cr3t' });
  });
});

describe('config changes (docs/conformance.md)', () => {
  it('AO-36 a module section change re-runs only that module, without a converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
        { name: 'c', enabled: false, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
      ],
      config: { a: { x: 1 }, c: { x: 1 } },
    });
    await t.start();
    log.clear();
    await t.setConfig({ a: { x: 2 }, c: { x: 2 } });
    expect(log.names).toEqual(['a/hooks/h:beforeHelm']);
    expect(log.of('hooks/h')[0].configValues).toMatchObject({ a: { x: 2 } });
    expect(t.events.filter((e) => e.type === 'ConvergeStarted')).toHaveLength(1);
    const run = t.events.filter((e) => e.type === 'ModuleRunStarted').at(-1);
    expect(run).toMatchObject({ module: 'a', trigger: 'KubeConfig-Changed-Modules' });
  });

  it('AO-37 AO-38 a flag disables a module (ModuleDelete) and enables it again with onStartup', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [hook(log, 'hooks/s', { onStartup: 1 }), hook(log, 'hooks/ad', { afterDeleteHelm: 1 })],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    expect(t.state.modules.a.value).toBe('deleted');
    const started = t.events.filter((e) => e.type === 'ConvergeStarted').at(-1);
    expect(started).toMatchObject({ reason: 'ReloadAllModules' });
    await t.setConfig({ aEnabled: true });
    expect(log.names).toEqual(['a/hooks/s:onStartup', 'a/hooks/ad:afterDeleteHelm', 'a/hooks/s:onStartup']);
    expect(t.state.modules.a.value).toBe('ready');
  });

  it('AO-35 a global section change during a converge drains it and starts over with beforeAll', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1 })],
      modules: [
        { name: 'a', order: 10 },
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, alwaysFail('not yet'))] },
      ],
      config: { global: { x: 1 } },
    });
    await t.start();
    expect(t.state.modules.b.value).toEqual({ running: 'failed' });
    await t.setConfig({ global: { x: 2 } });
    const reasons = t.events
      .filter((e) => e.type === 'ConvergeStarted')
      .map((e) => (e as { reason: string }).reason);
    expect(reasons).toEqual(['OperatorStartup', 'ReloadAllModules']);
    expect(log.names.filter((n) => n === 'g.sh:beforeAll')).toHaveLength(2);
    expect(log.of('g.sh').at(-1)?.values).toMatchObject({ global: { x: 2 } });
  });

  it('AO-78 a module re-enabled by its flag gets its config section back at once (Q4 fixed)', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] }],
      config: { a: { x: 1 } },
    });
    await t.start();
    await t.setConfig({ a: { x: 1 }, aEnabled: false });
    expect(t.state.configValues.a).toBeUndefined();
    await t.setConfig({ a: { x: 1 }, aEnabled: true });
    expect(log.of('hooks/h').at(-1)?.configValues).toEqual({ global: {}, a: { x: 1 } });
  });

  it('AO-69 a failing delete sees the module’s new config section on its next retry (config ahead of lifecycle work)', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/bd', { beforeDeleteHelm: 1 }, (input) => {
              if ((input.configValues.a as { force?: boolean }).force !== true) throw new Error('refusing');
              return undefined;
            }),
          ],
        },
      ],
      config: { a: { force: false } },
    });
    await t.start();
    await t.setConfig({ a: { force: false }, aEnabled: false });
    expect(t.releases()).toHaveLength(1);
    await t.setConfig({ a: { force: true }, aEnabled: false });
    await t.advance(10_000);
    expect(t.releases()).toEqual([]);
    expect(t.state.modules.a.value).toBe('deleted');
  });

  it('AO-39 a global hook enabling a module dynamically triggers a ReloadAllModules converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g.sh', { schedule: [{ crontab: '*/5 * * * *' }] }, () => ({
          valuesPatch: [{ op: 'add', path: '/aEnabled', value: true }],
        })),
      ],
      modules: [{ name: 'a', enabled: false, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] }],
    });
    await t.start();
    expect(t.state.enabled).toEqual([]);
    await t.tick('*/5 * * * *');
    expect(t.state.enabled).toEqual(['a']);
    const last = t.events.filter((e) => e.type === 'ConvergeStarted').at(-1);
    expect(last).toMatchObject({
      reason: 'ReloadAllModules',
      trigger: 'ReloadAll-After-GlobalHookDynamicUpdate',
    });
    expect(log.names).toContain('a/hooks/h:beforeHelm');
  });
});
