import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

let t: TestEngine | undefined;

afterEach(async () => {
  await t?.stop({ graceMs: 0 });
  t = undefined;
});

/** A gate an in-code hook waits at: `entered` resolves when it gets there, `open()` lets it through. */
function gate() {
  let enter!: () => void;
  let open!: () => void;
  const entered = new Promise<void>((r) => (enter = r));
  const opened = new Promise<void>((r) => (open = r));
  const pass = () => {
    enter();
    return opened;
  };
  return { entered, open, pass };
}

const hookEvents = (name: string) =>
  t!.events.filter((e) => 'hook' in e && e.hook === name).map((e) => e.type);

describe('stop takes no new task', () => {
  it('main: the running module finishes within the grace and is recorded; the module queued behind it never starts', async () => {
    const first = gate();
    t = await createTestEngine({
      modules: [
        {
          name: 'first',
          order: 10,
          hooks: [
            {
              name: 'hooks/wait',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: async () => void (await first.pass()),
            },
          ],
        },
        {
          name: 'second',
          order: 20,
          hooks: [{ name: 'hooks/never', config: { configVersion: 'v1', beforeHelm: 1 } }],
        },
      ],
    });
    void t.start().catch(() => undefined);
    await first.entered;
    const stopped = t.engine.stop({ graceMs: 30_000 });
    first.open();
    await stopped;
    expect(hookEvents('hooks/wait')).toEqual(['HookStarted', 'HookSucceeded']);
    expect(hookEvents('hooks/never')).toEqual([]);
    expect(t.events.at(-1)?.type).toBe('EngineStopped');
    expect(t.events.at(-2)).toMatchObject({ type: 'ModuleReady', module: 'first' });
  });

  it('a named queue: the schedule run in progress finishes, the one queued behind it never starts', async () => {
    const run = gate();
    let runs = 0;
    t = await createTestEngine({
      globalHooks: [
        {
          name: 'tick.sh',
          config: { configVersion: 'v1', schedule: [{ crontab: '*/5 * * * *', queue: 'slow' }] },
          run: async () => {
            runs++;
            if (runs === 1) await run.pass();
            return undefined;
          },
        },
      ],
    });
    await t.start();
    t.engine.fireSchedule('*/5 * * * *');
    await run.entered;
    t.engine.fireSchedule('*/5 * * * *');
    expect(t.queues().slow?.tasks.length).toBe(2);
    const stopped = t.engine.stop({ graceMs: 30_000 });
    run.open();
    await stopped;
    expect(runs).toBe(1);
    expect(hookEvents('tick.sh').filter((type) => type === 'HookStarted')).toHaveLength(1);
    expect(t.events.at(-1)?.type).toBe('EngineStopped');
  });

  it('a module delete in progress finishes within the grace: uninstall, afterDeleteHelm and ModuleDeleted come before EngineStopped', async () => {
    const cleanup = gate();
    t = await createTestEngine({
      modules: [
        {
          name: 'gone',
          chart: { 'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n' },
          hooks: [
            {
              name: 'hooks/cleanup',
              config: { configVersion: 'v1', beforeDeleteHelm: 1 },
              run: async () => void (await cleanup.pass()),
            },
            { name: 'hooks/after-delete', config: { configVersion: 'v1', afterDeleteHelm: 1 } },
          ],
        },
      ],
    });
    await t.start();
    void t.setConfig({ goneEnabled: false }).catch(() => undefined);
    await cleanup.entered;
    const stopped = t.engine.stop({ graceMs: 30_000 });
    cleanup.open();
    await stopped;
    const tail = t.events.slice(
      t.events.findIndex((e) => e.type === 'HookStarted' && e.hook === 'hooks/cleanup'),
    );
    expect(tail.map((e) => e.type)).toEqual([
      'HookStarted',
      'HookSucceeded',
      'HelmReleaseUninstalled',
      'HookStarted',
      'HookSucceeded',
      'ModuleDeleted',
      'EngineStopped',
    ]);
    expect(t.releases()).toEqual([]);
  });
});
