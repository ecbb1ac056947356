import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, failTimes, hook, markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

describe('startup and converge (docs/conformance.md, docs/conformance.md)', () => {
  it('AO-13 AO-20 global onStartup hooks run by order; a failure blocks later startup work until it succeeds', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g1.sh', { onStartup: 20 }),
        hook(log, 'g2.sh', { onStartup: 1 }, failTimes(2)),
        hook(log, 'g3.sh', { onStartup: 10, beforeAll: 1 }),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    expect(log.names).toEqual(['g2.sh:onStartup']);
    expect(t.events.some((e) => e.type === 'ConvergeStarted')).toBe(false);
    await t.advance(5_000);
    expect(log.names).toEqual(['g2.sh:onStartup', 'g2.sh:onStartup']);
    await t.advance(7_000);
    expect(log.names).toEqual([
      'g2.sh:onStartup',
      'g2.sh:onStartup',
      'g2.sh:onStartup',
      'g3.sh:onStartup',
      'g1.sh:onStartup',
      'g3.sh:beforeAll',
    ]);
    expect(t.metrics.get('global_hook_errors_total', { hook: 'g2.sh', binding: 'onStartup' })).toBe(2);
    expect(t.state.startup.value).toBe('ready');
  });

  it('AO-25 a full converge runs beforeAll by order, modules by order, then afterAll', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g1.sh', { beforeAll: 20 }),
        hook(log, 'g2.sh', { beforeAll: 10 }),
        hook(log, 'g3.sh', { afterAll: 10 }),
      ],
      modules: [
        { name: 'b', order: 20, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
      ],
    });
    await t.start();
    expect(log.names).toEqual([
      'g2.sh:beforeAll',
      'g1.sh:beforeAll',
      'a/hooks/h:beforeHelm',
      'b/hooks/h:beforeHelm',
      'g3.sh:afterAll',
    ]);
    expect(t.events.filter((e) => e.type === 'ConvergeCompleted')).toHaveLength(1);
    expect(t.state.converge.value).toBe('standBy');
  });

  it('AO-26 modules of the same order run in parallel queues before the next order', async () => {
    const log = new CallLog();
    const started: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let bothStarted!: () => void;
    const aAndB = new Promise<void>((r) => {
      bothStarted = r;
    });
    const begin = (m: string) => {
      started.push(m);
      if (started.length === 2) bothStarted();
    };
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          order: 10,
          hooks: [
            hook(log, 'hooks/h', { beforeHelm: 1 }, async () => {
              begin('a');
              await gate;
              return undefined;
            }),
          ],
        },
        {
          name: 'b',
          order: 10,
          hooks: [
            hook(log, 'hooks/h', { beforeHelm: 1 }, async () => {
              begin('b');
              await gate;
              return undefined;
            }),
          ],
        },
        {
          name: 'c',
          order: 20,
          hooks: [
            hook(log, 'hooks/h', { beforeHelm: 1 }, () => {
              started.push('c');
              return undefined;
            }),
          ],
        },
      ],
    });
    const starting = t.start();
    // a and b run at once (both wait on the gate); c's run waits on main behind their group.
    await aAndB;
    expect(started.sort()).toEqual(['a', 'b']);
    const { main, ...others } = t.queues();
    expect(main.tasks.slice(0, 2)).toEqual(['ParallelModuleRun', 'ModuleRun:c']);
    expect(Object.values(others).flatMap((q) => q.tasks)).not.toContain('ModuleRun:c');
    const queuesOfRuns = t.events
      .filter((e) => e.type === 'ModuleRunStarted')
      .map((e) => (e as { queue: string; module: string }).queue);
    expect(new Set(queuesOfRuns).size).toBe(2);
    expect(queuesOfRuns.every((q) => q.startsWith('parallel_queue_'))).toBe(true);
    release();
    await starting;
    expect(started).toContain('c');
    expect(started.indexOf('c')).toBe(2);
  });

  it('AO-28 back-to-back converges are deduplicated', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1 })],
      modules: [{ name: 'a' }],
      config: { global: { x: 1 } },
    });
    await t.start();
    t.configSource.set({ global: { x: 2 } });
    t.configSource.set({ global: { x: 3 } });
    t.configSource.set({ global: { x: 4 } });
    await t.settle();
    // The first converge plus one restart-converge for the three quick changes.
    expect(t.events.filter((e) => e.type === 'ConvergeCompleted')).toHaveLength(2);
  });

  it('AO-30 an afterAll hook that changes global values queues another converge; no change, none', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g3.sh', { afterAll: 10 }, (_i, call) =>
          call === 1 ? { valuesPatch: [{ op: 'add', path: '/global/x', value: 1 }] } : undefined,
        ),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    const converges = t.events.filter((e) => e.type === 'ConvergeStarted');
    expect(converges.map((e) => (e as { reason: string }).reason)).toEqual([
      'OperatorStartup',
      'GlobalValuesChanged',
    ]);
    expect((converges[1] as { trigger?: string }).trigger).toBe('AfterAll-Hooks-Change-GlobalValues');
    expect(log.names).toEqual(['g3.sh:afterAll', 'g3.sh:afterAll']);
  });

  it('AO-32 a failing beforeAll hook is retried alone; earlier beforeAll hooks are not re-run', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g1.sh', { beforeAll: 20 }, failTimes(1)),
        hook(log, 'g2.sh', { beforeAll: 10 }),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    await t.advance(5_000);
    expect(log.names).toEqual(['g2.sh:beforeAll', 'g1.sh:beforeAll', 'g1.sh:beforeAll']);
    expect(t.state.converge.value).toBe('standBy');
  });

  it('AO-33 a failing enabled script fails the converge and is retried without re-running beforeAll', async () => {
    const log = new CallLog();
    let n = 0;
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { beforeAll: 1 })],
      modules: [
        {
          name: 'a',
          enabled: () => {
            n++;
            if (n === 1) throw new Error('exit status 1');
            return true;
          },
          hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })],
        },
      ],
    });
    await t.start();
    expect(t.events.find((e) => e.type === 'DiscoveryFailed')).toMatchObject({ module: 'a' });
    expect(t.metrics.get('modules_discover_errors_total')).toBe(1);
    await t.advance(5_000);
    expect(log.names).toEqual(['g.sh:beforeAll', 'a/hooks/h:beforeHelm']);
  });

  it('AO-23 AO-42 after the first converge, releases of disabled or unknown modules are purged without hooks', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', chart: markerChart('a') },
        {
          name: 'b',
          enabled: false,
          chart: markerChart('b'),
          hooks: [hook(log, 'hooks/bd', { beforeDeleteHelm: 1, afterDeleteHelm: 1 })],
        },
      ],
      releases: [
        { name: 'b', namespace: 'default', revision: 1, status: 'deployed', checksum: 'x' },
        { name: 'zz', namespace: 'default', revision: 3, status: 'deployed', checksum: 'y' },
      ],
    });
    await t.start();
    const purged = t.events
      .filter((e) => e.type === 'HelmReleaseUninstalled')
      .map((e) => (e as { release: string }).release);
    expect(purged).toEqual(['zz', 'b']);
    expect(t.releases().map((r) => r.name)).toEqual(['a']);
    expect(log.names).toEqual([]);
    expect(t.events.some((e) => e.type === 'ModuleDeleteStarted')).toBe(false);
  });

  it('AO-27 AO-99 a converge with no enabled modules completes in one go', async () => {
    t = await createTestEngine({ modules: [{ name: 'a', enabled: false }] });
    await t.start();
    expect(t.events.filter((e) => e.type === 'ConvergeCompleted')).toHaveLength(1);
    expect(t.state.startup.value).toBe('ready');
  });

  it('AO-21 an invalid initial config stops startup before any task', async () => {
    t = await createTestEngine({
      global: {
        validateConfigValues: (v) => ('project' in v ? undefined : "missing required property 'project'"),
      },
      config: { global: { other: 1 } },
      modules: [{ name: 'a' }],
    });
    await expect(t.start()).rejects.toThrow(/project/);
    expect(t.events.some((e) => e.type === 'ConvergeStarted')).toBe(false);
  });
});
