import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveGroupMembers,
  type StuckModules,
  waitForFile,
  writeScript,
  writeSleepingHelm,
  writeStuckModules,
} from './stuck-modules.js';

let dir: StuckModules | undefined;
let t: TestEngine | undefined;

afterEach(async () => {
  await t?.stop({ graceMs: 0 });
  t = undefined;
  if (dir) rmSync(dir.root, { recursive: true, force: true });
  dir = undefined;
});

/** Starts the engine without waiting for the first converge (it never finishes), and the hang's pid. */
async function startStuck(options: { helm?: string } = {}): Promise<number> {
  t = await createTestEngine({ modulesDir: dir!.modulesDir, ...options });
  // The first converge hangs: start() would settle only after the stop, so it is not awaited.
  void t.start().catch(() => undefined);
  const pgid = Number(await waitForFile(dir!.pidFile));
  expect(liveGroupMembers(pgid).length).toBeGreaterThan(0);
  return pgid;
}

const types = () => t!.events.map((e) => e.type);

describe('engine.stop never hangs', () => {
  it('engine.stop({ graceMs: 500 }) aborts a beforeHelm hook stuck in `sleep 1000`: SIGTERM ends its process group, EngineStopped is last', async () => {
    dir = writeStuckModules();
    const pgid = await startStuck();
    const started = performance.now();
    await t!.engine.stop({ graceMs: 500 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(500 + 4_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(types().at(-1)).toBe('EngineStopped');
    // The aborted hook's late result is not recorded: its HookStarted is the last fact before the stop.
    expect(t!.events.at(-2)).toMatchObject({ type: 'HookStarted', module: 'stuck', hook: 'hooks/sleep.sh' });
    expect(
      t!.logger.records.some((r) => String(r.msg).includes('not appending events after EngineStopped')),
    ).toBe(true);
  });

  it('a hook that ignores SIGTERM is killed with SIGKILL 5 s after the grace', async () => {
    dir = writeStuckModules({ ignoreTerm: true });
    const pgid = await startStuck();
    const started = performance.now();
    await t!.engine.stop({ graceMs: 500 });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(500 + 5_000 - 100);
    expect(elapsed).toBeLessThan(500 + 5_000 + 5_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(types().at(-1)).toBe('EngineStopped');
  });

  it('a hook that ends within the grace is recorded, its task finishes, and only then EngineStopped', async () => {
    dir = writeStuckModules();
    // The hook blocks reading a FIFO instead of sleeping; the test releases it once the stop began.
    const fifo = join(dir.root, 'release');
    execFileSync('mkfifo', [fifo]);
    writeScript(join(dir.modulesDir, '010-stuck', 'hooks', 'sleep.sh'), [
      `if [[ "\${1:-}" == "--config" ]]; then echo '{"configVersion":"v1","beforeHelm":1}'; exit 0; fi`,
      `echo $$ > ${JSON.stringify(dir.pidFile)}`,
      `read -r line < ${JSON.stringify(fifo)}`,
    ]);
    await startStuck();
    const started = performance.now();
    const stopped = t!.engine.stop({ graceMs: 30_000 });
    writeFileSync(fifo, 'go\n');
    await stopped;
    expect(performance.now() - started).toBeLessThan(10_000);
    const tail = types().slice(types().lastIndexOf('HookStarted'));
    expect(tail).toEqual(['HookStarted', 'HookSucceeded', 'ModuleReady', 'EngineStopped']);
  });

  it('an in-code hook that never resolves does not hold t.stop() past its 1 s grace', async () => {
    let running!: () => void;
    const hookRan = new Promise<void>((r) => (running = r));
    t = await createTestEngine({
      modules: [
        {
          name: 'stuck',
          hooks: [
            {
              name: 'hooks/forever',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: () => {
                running();
                return new Promise(() => undefined);
              },
            },
          ],
        },
      ],
    });
    void t.start().catch(() => undefined);
    await hookRan;
    const started = performance.now();
    await t.stop();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(1_000 + 3_000);
    expect(types().at(-1)).toBe('EngineStopped');
    expect(types().at(-2)).toBe('HookStarted');
  });

  it.each([
    ['an `enabled` script', 'enabled'],
    ['a hook’s `--config`', 'config'],
  ] as const)('%s stuck in `sleep 1000` is ended with its process group on stop', async (_, stuckIn) => {
    dir = writeStuckModules({ stuckIn });
    const pgid = await startStuck();
    const started = performance.now();
    await t!.engine.stop({ graceMs: 500 });
    expect(performance.now() - started).toBeLessThan(500 + 4_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(types().at(-1)).toBe('EngineStopped');
  });

  it('a helm process stuck in `helm template` is ended with its process group on stop', async () => {
    dir = writeStuckModules({ stuckIn: 'helm' });
    const helm = writeSleepingHelm(dir.root, dir.pidFile);
    const pgid = await startStuck({ helm });
    const started = performance.now();
    await t!.engine.stop({ graceMs: 500 });
    expect(performance.now() - started).toBeLessThan(500 + 4_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(types().at(-1)).toBe('EngineStopped');
    expect(types()).not.toContain('HelmOperationFailed');
  });
});
