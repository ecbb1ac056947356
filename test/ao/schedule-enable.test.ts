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

describe('module schedule bindings are enabled before beforeHelm (addon-operator EnableScheduleBindings)', () => {
  it('AO-98 a module whose beforeHelm keeps failing still gets its schedule runs', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      config: { aEnabled: false },
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/s', { schedule: [{ crontab: '*/5 * * * *', queue: 'cron' }] }),
            hook(log, 'hooks/b', { beforeHelm: 1 }, alwaysFail('beforeHelm broken')),
          ],
        },
      ],
    });
    await t.start();
    // Enabled after the first converge: its run fails at beforeHelm and retries for ever.
    await t.setConfig({ aEnabled: true });
    expect(
      t.events.some((e) => e.type === 'ModuleFailed' && e.module === 'a' && e.phase === 'beforeHelm'),
    ).toBe(true);
    expect(t.events.some((e) => e.type === 'ModuleReady')).toBe(false);
    await t.tick('*/5 * * * *');
    expect(log.names.filter((n) => n === 'a/hooks/s:schedule')).toHaveLength(1);
  });

  it('AO-98 schedules are not enabled before Synchronization and onStartup are done', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      config: { aEnabled: false },
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/s', { schedule: [{ crontab: '*/5 * * * *', queue: 'cron' }] }),
            hook(log, 'hooks/o', { onStartup: 1 }, alwaysFail('onStartup broken')),
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: true });
    await t.tick('*/5 * * * *');
    expect(log.names.filter((n) => n === 'a/hooks/s:schedule')).toEqual([]);
  });
});
