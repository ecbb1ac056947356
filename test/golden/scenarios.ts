import type { TestEngine } from '@converge/testing';
import { createTestEngine } from '@converge/testing';
import { alwaysFail, CallLog, failTimes, hook, markerChart } from '../support/recorder.js';

/** Scenarios whose logs are kept under test/golden as replay fixtures. */
export const goldenScenarios: Record<string, () => Promise<TestEngine>> = {
  async 'before-delete-retry'() {
    const log = new CallLog();
    const t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          hooks: [
            hook(log, 'hooks/bd', { beforeDeleteHelm: 5 }, failTimes(2)),
            hook(log, 'hooks/ad', { afterDeleteHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    await t.setConfig({ aEnabled: false });
    await t.advance(30_000);
    return t;
  },
  async 'parallel-groups'() {
    const log = new CallLog();
    const t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1, afterAll: 1 })],
      modules: [
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/h', { onStartup: 1, beforeHelm: 1 })] },
        { name: 'b', order: 10, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, failTimes(1))] },
        { name: 'c', order: 20, chart: markerChart('c') },
      ],
    });
    await t.start();
    await t.advance(10_000);
    return t;
  },
  async 'config-restart'() {
    const log = new CallLog();
    const t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1 })],
      modules: [
        {
          name: 'a',
          order: 10,
          hooks: [
            hook(log, 'hooks/v', { beforeHelm: 1 }, () => ({
              valuesPatch: [{ op: 'add', path: '/a/n', value: 1 }],
            })),
          ],
        },
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, alwaysFail('waiting'))] },
      ],
      config: { global: { x: 1 }, a: { y: 1 } },
    });
    await t.start();
    await t.setConfig({ global: { x: 2 }, a: { y: 2 }, bEnabled: false });
    return t;
  },
};
