import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, failTimes, hook, retryDelays } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const ofType = <T extends string>(t: TestEngine, type: T) =>
  t.events.filter((e) => e.type === type) as Extract<TestEngine['events'][number], { type: T }>[];

const seqOf = (t: TestEngine, pred: (e: TestEngine['events'][number]) => boolean) =>
  t.events.find(pred)?.seq ?? Number.NaN;

describe('parallel module runs (addon-operator pkg/task/tasks/parallel-module-run/task.go, docs/conformance.md)', () => {
  it('AO-92 one failing module of a parallel group retries in its parallel queue while main stays blocked', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        { name: 'a', order: 10, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
        {
          name: 'b',
          order: 10,
          hooks: [hook(log, 'hooks/h', { beforeHelm: 1 }, failTimes(2, 'b is broken'))],
        },
        { name: 'c', order: 20, hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
      ],
    });
    await t.start();
    // a is done, b sleeps in its parallel queue, c has not started, the converge is not done.
    expect(log.names).toEqual(['a/hooks/h:beforeHelm', 'b/hooks/h:beforeHelm']);
    expect(ofType(t, 'ModuleReady').map((e) => e.module)).toEqual(['a']);
    const bQueue = ofType(t, 'ModuleRunStarted').find((e) => e.module === 'b')!.queue;
    expect(bQueue).toMatch(/^parallel_queue_\d+$/);
    expect(t.queues().main.tasks[0]).toBe('ParallelModuleRun');
    expect(ofType(t, 'ConvergeCompleted')).toHaveLength(0);
    await t.advance(5_000);
    expect(log.names.filter((n) => n.startsWith('b/'))).toHaveLength(2);
    expect(log.names.filter((n) => n.startsWith('c/'))).toHaveLength(0);
    await t.advance(7_000);
    expect(log.names).toEqual([
      'a/hooks/h:beforeHelm',
      'b/hooks/h:beforeHelm',
      'b/hooks/h:beforeHelm',
      'b/hooks/h:beforeHelm',
      'c/hooks/h:beforeHelm',
    ]);
    const retries = ofType(t, 'RetryScheduled');
    expect(retries.map((e) => [e.queue, e.module, e.attempt])).toEqual([
      [bQueue, 'b', 2],
      [bQueue, 'b', 3],
    ]);
    expect(retries.every((e) => e.error?.includes('b is broken'))).toBe(true);
    const delays = retryDelays(t.events, 'b');
    expect(delays[0]).toBe(5_000);
    expect(delays[1]).toBeGreaterThanOrEqual(6_000);
    expect(delays[1]).toBeLessThan(7_000);
    expect(t.metrics.get('module_run_errors_total', { module: 'b' })).toBe(2);
    const bReady = seqOf(t, (e) => e.type === 'ModuleReady' && e.module === 'b');
    expect(seqOf(t, (e) => e.type === 'ModuleRunStarted' && e.module === 'c')).toBeGreaterThan(bReady);
    expect(ofType(t, 'ConvergeCompleted')).toHaveLength(1);
  });

  it('AO-94 the Synchronization of a main-queue binding runs in the module’s parallel queue', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ns1', labels: { app: 'x' } } },
      ],
      modules: [
        {
          name: 'a',
          order: 10,
          hooks: [
            hook(log, 'hooks/k', {
              kubernetes: [
                { name: 'pods', apiVersion: 'v1', kind: 'Pod', labelSelector: { matchLabels: { app: 'x' } } },
              ],
            }),
            hook(log, 'hooks/h', { beforeHelm: 1 }),
          ],
        },
        { name: 'b', order: 10 },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['a/hooks/k:kubernetes', 'a/hooks/h:beforeHelm']);
    const aQueue = ofType(t, 'ModuleRunStarted').find((e) => e.module === 'a')!.queue;
    expect(aQueue).toMatch(/^parallel_queue_\d+$/);
    const sync = ofType(t, 'HookStarted').find((e) => e.hook === 'hooks/k')!;
    expect(sync).toMatchObject({ module: 'a', synchronization: true, queue: aQueue });
    expect(log.of('hooks/k')[0].bindingContexts[0]).toMatchObject({
      binding: 'pods',
      type: 'Synchronization',
    });
  });

  it('AO-95 25 modules of one order spread over parallel_queue_0..18 and at most 19 run at once', async () => {
    const names = Array.from({ length: 25 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    let running = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let nineteen!: () => void;
    const nineteenRunning = new Promise<void>((r) => {
      nineteen = r;
    });
    const log = new CallLog();
    t = await createTestEngine({
      modules: names.map((name) => ({
        name,
        order: 10,
        hooks: [
          hook(log, 'hooks/h', { beforeHelm: 1 }, async () => {
            running++;
            peak = Math.max(peak, running);
            if (running === 19) nineteen();
            await gate;
            running--;
            return undefined;
          }),
        ],
      })),
    });
    const starting = t.start();
    // Every parallel queue reached its gated hook (an event: the 19th hook call).
    await nineteenRunning;
    // No 20th run can start: the 19 parallel queues each run one module, the 6 others wait behind them.
    const parallel = Object.entries(t.queues()).filter(([name]) => name.startsWith('parallel_queue_'));
    const busy = parallel.filter(([, q]) => q.running !== undefined);
    expect(busy.map(([name]) => name).sort()).toEqual(
      Array.from({ length: 19 }, (_, i) => `parallel_queue_${i}`).sort(),
    );
    expect(parallel.reduce((n, [, q]) => n + q.tasks.length, 0)).toBe(25);
    expect(running).toBe(19);
    release();
    await starting;
    expect(peak).toBe(19);
    expect(log.names).toHaveLength(25);
    const queues = ofType(t, 'ModuleRunStarted').map((e) => e.queue);
    expect(queues).toHaveLength(25);
    const counts = new Map<string, number>();
    for (const q of queues) counts.set(q, (counts.get(q) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(
      Array.from({ length: 19 }, (_, i) => `parallel_queue_${i}`).sort(),
    );
    expect([...counts.values()].filter((c) => c === 2)).toHaveLength(6);
    expect(Math.max(...counts.values())).toBe(2);
    expect(ofType(t, 'ModuleReady')).toHaveLength(25);
  });
});
