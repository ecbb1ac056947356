import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const converges = () => t!.events.filter((e) => e.type === 'ConvergeStarted');

describe('a change of <module>Enabled flags converges only when the enabled set changes (RecalculateGraph)', () => {
  it('AO-36 a flag set to what the module already is starts no converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }, { name: 'b' }],
    });
    await t.start();
    expect(converges()).toHaveLength(1);
    await t.setConfig({ aEnabled: true });
    expect(converges()).toHaveLength(1);
    expect(t.events.filter((e) => e.type === 'EnabledModulesRecalculated').at(-1)).toMatchObject({
      changed: false,
      enabled: ['a', 'b'],
    });
    expect(log.names).toEqual(['a/hooks/b:beforeHelm']);
  });

  it('AO-36 a flag overridden by the enabled script starts no converge; a changed section re-runs only its module', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      config: { aEnabled: true },
      modules: [
        { name: 'a', enabled: () => false, hooks: [hook(log, 'hooks/a', { beforeHelm: 1 })] },
        { name: 'b', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] },
      ],
    });
    await t.start();
    log.clear();
    // aEnabled flips, but a's enabled script still says no; b's section changes in the same document.
    await t.setConfig({ aEnabled: false, b: { x: 1 } });
    expect(converges()).toHaveLength(1);
    expect(log.names).toEqual(['b/hooks/b:beforeHelm']);
    expect(log.of('hooks/b')[0].values).toMatchObject({ b: { x: 1 } });
    expect(t.events.filter((e) => e.type === 'ModuleRunStarted').at(-1)).toMatchObject({
      module: 'b',
      trigger: 'KubeConfig-Changed-Modules',
    });
  });

  it('AO-37 a flag that disables a module still converges and deletes it', async () => {
    t = await createTestEngine({ modules: [{ name: 'a' }, { name: 'b' }] });
    await t.start();
    await t.setConfig({ aEnabled: false });
    expect(converges()).toHaveLength(2);
    expect(converges()[1]).toMatchObject({ reason: 'ReloadAllModules' });
    expect(t.events.some((e) => e.type === 'ModuleDeleted' && e.module === 'a')).toBe(true);
  });

  it('AO-39 a global hook setting <module>Enabled to what the module already is starts no converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g.sh', { schedule: [{ crontab: '*/5 * * * *' }] }, () => ({
          valuesPatch: [{ op: 'add', path: '/aEnabled', value: true }],
        })),
      ],
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] }],
    });
    await t.start();
    await t.tick('*/5 * * * *');
    expect(log.names).toEqual(['a/hooks/h:beforeHelm', 'g.sh:schedule']);
    expect(converges()).toHaveLength(1);
    expect(t.events.filter((e) => e.type === 'EnabledModulesRecalculated')).toMatchObject([
      { changed: false, enabled: ['a'] },
    ]);
  });
});
