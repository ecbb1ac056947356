import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook, retryDelays } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns1', labels: { app: 'x' } },
});

const podsBinding = (extra: Record<string, unknown> = {}) => ({
  name: 'pods',
  apiVersion: 'v1',
  kind: 'Pod',
  labelSelector: { matchLabels: { app: 'x' } },
  ...extra,
});

const ofType = <T extends string>(t: TestEngine, type: T) =>
  t.events.filter((e) => e.type === type) as Extract<TestEngine['events'][number], { type: T }>[];

describe('converge (docs/conformance.md, docs/conformance.md)', () => {
  it('AO-29 a converge queued behind another task is not deduplicated and runs a second full converge', async () => {
    const log = new CallLog();
    let n = 0;
    const setGlobal = (key: string) => () => ({
      valuesPatch: [{ op: 'add' as const, path: `/global/${key}`, value: ++n }],
    });
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g1.sh', { schedule: [{ crontab: '1 * * * *' }] }, setGlobal('x')),
        hook(log, 'g2.sh', { schedule: [{ crontab: '2 * * * *' }] }, setGlobal('y')),
        hook(log, 'gb.sh', { beforeAll: 1 }),
      ],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/s', { schedule: [{ crontab: '3 * * * *' }] }, () => ({
              valuesPatch: [{ op: 'add', path: '/a/y', value: ++n }],
            })),
          ],
        },
      ],
    });
    await t.start();
    let mainAtSecondConverge: string[] | undefined;
    const subscription = t.engine.events$.subscribe((e) => {
      if (e.type === 'ConvergeStarted' && mainAtSecondConverge === undefined)
        mainAtSecondConverge = [...t!.queues().main.tasks];
    });
    const before = ofType(t, 'ConvergeStarted').length;
    // One turn: main gets [g1 (changes global), s (changes a), g2 (changes global)].
    t.engine.fireSchedule('1 * * * *');
    t.engine.fireSchedule('3 * * * *');
    t.engine.fireSchedule('2 * * * *');
    await t.settle();
    subscription.unsubscribe();
    expect(before).toBe(1);
    expect(mainAtSecondConverge).toEqual(['ConvergeModules', 'ModuleRun:a', 'ConvergeModules']);
    const converges = ofType(t, 'ConvergeStarted').slice(1);
    expect(converges.map((e) => [e.reason, e.trigger])).toEqual([
      ['GlobalValuesChanged', 'Schedule-Change-GlobalValues'],
      ['GlobalValuesChanged', 'Schedule-Change-GlobalValues'],
    ]);
    expect(ofType(t, 'ConvergeCompleted')).toHaveLength(3);
    expect(log.names.filter((x) => x === 'gb.sh:beforeAll')).toHaveLength(3);
    const runs = ofType(t, 'ModuleRunStarted').slice(1);
    expect(runs.map((e) => e.trigger)).toEqual([
      'GlobalValuesChanged',
      'Schedule-Change-ModuleValues',
      'GlobalValuesChanged',
    ]);
  });

  it('AO-31 a values change by a non-last afterAll hook still queues another converge', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g3.sh', { afterAll: 10 }, (_i, call) =>
          call === 1 ? { valuesPatch: [{ op: 'add', path: '/global/x', value: 1 }] } : undefined,
        ),
        hook(log, 'g4.sh', { afterAll: 20 }),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    expect(log.names).toEqual(['g3.sh:afterAll', 'g4.sh:afterAll', 'g3.sh:afterAll', 'g4.sh:afterAll']);
    const starts = ofType(t, 'ConvergeStarted');
    expect(starts.map((e) => e.reason)).toEqual(['OperatorStartup', 'GlobalValuesChanged']);
    expect(starts[1].trigger).toBe('AfterAll-Hooks-Change-GlobalValues');
    expect(ofType(t, 'ConvergeCompleted')).toHaveLength(2);
  });

  it('AO-34 a module kube event during a converge is queued at the tail and runs after the converge', async () => {
    const log = new CallLog();
    let mainAtEvent: string[] = [];
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          order: 10,
          hooks: [
            hook(log, 'hooks/k', { kubernetes: [podsBinding({ executeHookOnSynchronization: false })] }),
          ],
        },
        {
          name: 'b',
          order: 20,
          hooks: [
            hook(log, 'hooks/h', { beforeHelm: 1 }, (_i, call) => {
              if (call === 2) throw new Error('not yet');
              return undefined;
            }),
          ],
        },
      ],
      config: { global: { x: 1 } },
    });
    await t.start();
    await t.setConfig({ global: { x: 2 } });
    // The second converge is held at b's failing run.
    expect(t.state.converge.value).not.toBe('standBy');
    await t.cluster.apply(pod('p1'));
    mainAtEvent = [...t.queues().main.tasks];
    expect(mainAtEvent.at(-1)).toBe('ModuleHookRun:a:hooks/k');
    expect(mainAtEvent.indexOf('ConvergeModules')).toBeLessThan(mainAtEvent.length - 1);
    expect(log.of('hooks/k')).toEqual([]);
    await t.advance(5_000);
    expect(log.of('hooks/k')).toHaveLength(1);
    const completed = ofType(t, 'ConvergeCompleted').at(-1)!.seq;
    const eventRun = t.events.find((e) => e.type === 'HookStarted' && e.hook === 'hooks/k')!.seq;
    expect(eventRun).toBeGreaterThan(completed);
  });

  it('AO-41 (Q2 kept) a GlobalValuesChanged converge does not re-run enabled functions', async () => {
    const log = new CallLog();
    let enabledCalls = 0;
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'g.sh', { schedule: [{ crontab: '*/5 * * * *' }] }, () => ({
          valuesPatch: [{ op: 'add', path: '/global/x', value: 1 }],
        })),
      ],
      modules: [
        {
          name: 'a',
          enabled: (input) => {
            enabledCalls++;
            return (input.values.global as { x?: number }).x !== 1;
          },
          hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })],
        },
      ],
    });
    await t.start();
    expect(enabledCalls).toBe(1);
    await t.tick('*/5 * * * *');
    const last = ofType(t, 'ConvergeStarted').at(-1);
    expect(last).toMatchObject({ reason: 'GlobalValuesChanged', trigger: 'Schedule-Change-GlobalValues' });
    expect(enabledCalls).toBe(1);
    expect(ofType(t, 'ModuleRunStarted').at(-1)).toMatchObject({
      module: 'a',
      trigger: 'GlobalValuesChanged',
    });
    expect(log.of('hooks/h').at(-1)?.values).toMatchObject({ global: { x: 1 } });
    expect(t.events.some((e) => e.type === 'ModuleDeleteStarted')).toBe(false);
    expect(t.state.enabled).toEqual(['a']);
  });

  it('AO-102 a config that breaks a module’s config schema fails ApplyKubeConfigValues and blocks main until fixed', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          validateConfigValues: (v) =>
            v.replicas === undefined || typeof v.replicas === 'number'
              ? undefined
              : 'replicas: expected integer',
          hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })],
        },
      ],
      config: { a: { replicas: 1 } },
    });
    await t.start();
    expect(t.metrics.get('modules_discover_errors_total') ?? 0).toBe(0);
    await t.setConfig({ a: { replicas: 'two' } });
    expect(t.queues().main.tasks[0]).toBe('ApplyKubeConfigValues');
    expect(ofType(t, 'RetryScheduled')).toEqual([
      expect.objectContaining({
        queue: 'main',
        task: 'ApplyKubeConfigValues',
        delayMs: 5_000,
        error: expect.stringContaining('replicas: expected integer'),
      }),
    ]);
    expect(t.metrics.get('modules_discover_errors_total')).toBe(1);
    await t.advance(5_000);
    expect(t.metrics.get('modules_discover_errors_total')).toBe(2);
    const delays = retryDelays(t.events);
    expect(delays).toHaveLength(2);
    expect(delays[1]).toBeGreaterThanOrEqual(6_000);
    expect(delays[1]).toBeLessThan(7_000);
    // Main is blocked: the module was not re-run and the invalid section was not applied.
    expect(log.of('hooks/h')).toHaveLength(1);
    expect(t.state.configValues.a).toEqual({ replicas: 1 });

    await t.setConfig({ a: { replicas: 3 } });
    await t.advance(7_000);
    expect(t.metrics.get('modules_discover_errors_total')).toBe(2);
    expect(t.state.configValues.a).toEqual({ replicas: 3 });
    expect(log.of('hooks/h').at(-1)?.configValues).toEqual({ global: {}, a: { replicas: 3 } });
    expect(t.queues().main.tasks).toEqual([]);
  });

  it('AO-110 values set by a global Synchronization queue no converge and reach the startup converge', async () => {
    const log = new CallLog();
    const seenByEnabled: unknown[] = [];
    t = await createTestEngine({
      objects: [pod('p1')],
      globalHooks: [
        hook(log, 'g.sh', { kubernetes: [podsBinding()] }, (input) =>
          input.bindingContexts[0]?.type === 'Synchronization'
            ? { valuesPatch: [{ op: 'add', path: '/global/discovered', value: true }] }
            : undefined,
        ),
        hook(log, 'gb.sh', { beforeAll: 1 }),
      ],
      modules: [
        {
          name: 'a',
          enabled: (input) => {
            seenByEnabled.push((input.values.global as { discovered?: boolean }).discovered);
            return true;
          },
          hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['g.sh:kubernetes', 'gb.sh:beforeAll', 'a/hooks/h:beforeHelm']);
    expect(ofType(t, 'ConvergeStarted').map((e) => e.reason)).toEqual(['OperatorStartup']);
    expect(log.of('gb.sh')[0].values).toMatchObject({ global: { discovered: true } });
    expect(seenByEnabled).toEqual([true]);
    expect(log.of('hooks/h')[0].values).toMatchObject({ global: { discovered: true } });
  });
});
