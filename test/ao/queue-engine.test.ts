import {
  type QueueHost,
  seededRandom,
  type Task,
  TaskQueue,
  type TaskResult,
  VirtualClock,
} from '@converge/runtime';
import { describe, expect, it } from 'vitest';

/** A task with only the fields the queue looks at. */
const task = (id: string): Task => ({
  id,
  type: 'GlobalHookRun',
  queue: 'main',
  trigger: 'test',
  failureCount: 0,
});

type Script = (call: number, queue: TaskQueue) => TaskResult;

/**
 * A queue over a fake host: `script[id]` answers the n-th handling of task `id` (default
 * Success). Records, per handling, the queue's task ids at that moment (head first).
 */
function harness(script: Record<string, Script> = {}) {
  const clock = new VirtualClock(0);
  const handled: { id: string; queue: string[] }[] = [];
  const retries: { id: string; delayMs: number; failureCount: number; error?: string }[] = [];
  const warnings: { id: string; message: string }[] = [];
  const calls = new Map<string, number>();
  const host: QueueHost = {
    clock,
    random: seededRandom(1),
    async handle(t, q) {
      handled.push({ id: t.id, queue: q.tasks.map((x) => x.id) });
      const n = (calls.get(t.id) ?? 0) + 1;
      calls.set(t.id, n);
      return script[t.id]?.(n, q) ?? { status: 'Success' };
    },
    onRetry(t, _q, delayMs, result) {
      retries.push({ id: t.id, delayMs, failureCount: t.failureCount, error: result.error });
    },
    onWarn(message, t) {
      warnings.push({ id: t.id, message });
    },
    onActivity() {},
  };
  const queue = new TaskQueue('main', host);
  const settle = async () => {
    for (let i = 0; i < 100 && !queue.idle; i++) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  };
  /** Fires every timer due within `ms` (settling after each), then moves the clock. */
  const advance = async (ms: number) => {
    const target = clock.now() + ms;
    while (clock.fireNext(target)) await settle();
    clock.setTime(target);
    await settle();
  };
  const order = () => handled.map((h) => h.id);
  const at = (id: string, nth = 1) => handled.filter((h) => h.id === id)[nth - 1]?.queue;
  return { clock, queue, handled, retries, warnings, settle, advance, order, at };
}

describe('queue result semantics (shell-operator pkg/task/queue/task_result.go, docs/conformance.md)', () => {
  it('AO-3 Keep with head tasks: [C, X] becomes [H1, H2, C, X] and H1 runs next', async () => {
    const h = harness({
      C: (call) => (call === 1 ? { status: 'Keep', head: [task('H1'), task('H2')] } : { status: 'Success' }),
    });
    h.queue.addLast(task('C'));
    h.queue.addLast(task('X'));
    await h.settle();
    expect(h.order()).toEqual(['C', 'H1', 'H2', 'C', 'X']);
    expect(h.at('H1')).toEqual(['H1', 'H2', 'C', 'X']);
    expect(h.at('C', 2)).toEqual(['C', 'X']);
    expect(h.queue.tasks).toEqual([]);
  });

  it('AO-4 Success with after tasks: [C, X] becomes [A1, A2, X]', async () => {
    const h = harness({ C: () => ({ status: 'Success', after: [task('A1'), task('A2')] }) });
    h.queue.addLast(task('C'));
    h.queue.addLast(task('X'));
    await h.settle();
    expect(h.order()).toEqual(['C', 'A1', 'A2', 'X']);
    expect(h.at('A1')).toEqual(['A1', 'A2', 'X']);
  });

  it('AO-5 Fail ignores head, after and tail tasks, warns, and keeps C at the head', async () => {
    const h = harness({
      C: (call) =>
        call === 1
          ? { status: 'Fail', error: 'boom', head: [task('H')], after: [task('A')], tail: [task('T')] }
          : { status: 'Success' },
    });
    h.queue.addLast(task('C'));
    h.queue.addLast(task('X'));
    await h.settle();
    expect(h.order()).toEqual(['C']);
    expect(h.queue.tasks.map((t) => t.id)).toEqual(['C', 'X']);
    expect(h.warnings).toEqual([{ id: 'C', message: expect.stringMatching(/ignored/) }]);
    expect(h.retries).toEqual([{ id: 'C', delayMs: 5_000, failureCount: 1, error: 'boom' }]);
    await h.advance(5_000);
    expect(h.order()).toEqual(['C', 'C', 'X']);
    expect(h.at('C', 2)).toEqual(['C', 'X']);
  });

  it('AO-2 Repeat keeps C at the head and re-runs it after 25 ms: no failure count, no retry, sub-tasks ignored with a warning', async () => {
    const h = harness({
      C: (call) =>
        call <= 2
          ? { status: 'Repeat', head: [task('H')], after: [task('A')], tail: [task('T')] }
          : { status: 'Success' },
    });
    const c = task('C');
    h.queue.addLast(c);
    h.queue.addLast(task('X'));
    await h.settle();
    expect(h.order()).toEqual(['C']);
    expect(h.queue.tasks.map((t) => t.id)).toEqual(['C', 'X']);
    expect(h.queue.sleepDeadline).toBe(25);
    await h.advance(24);
    expect(h.order()).toEqual(['C']);
    await h.advance(1);
    expect(h.order()).toEqual(['C', 'C']);
    expect(h.at('C', 2)).toEqual(['C', 'X']);
    await h.advance(25);
    expect(h.order()).toEqual(['C', 'C', 'C', 'X']);
    expect(c.failureCount).toBe(0);
    expect(h.retries).toEqual([]);
    expect(h.warnings).toEqual([
      { id: 'C', message: expect.stringMatching(/ignored/) },
      { id: 'C', message: expect.stringMatching(/ignored/) },
    ]);
    expect(h.queue.tasks).toEqual([]);
  });

  it('AO-2 a Repeat with its own delay sleeps that long instead of 25 ms', async () => {
    const h = harness({
      C: (call) => (call === 1 ? { status: 'Repeat', delayMs: 100 } : { status: 'Success' }),
    });
    h.queue.addLast(task('C'));
    await h.settle();
    await h.advance(99);
    expect(h.order()).toEqual(['C']);
    await h.advance(1);
    expect(h.order()).toEqual(['C', 'C']);
  });

  it('AO-6 Success with tail tasks appends them after every existing task', async () => {
    const h = harness({ C: () => ({ status: 'Success', tail: [task('T')] }) });
    h.queue.addLast(task('C'));
    h.queue.addLast(task('X'));
    h.queue.addLast(task('Y'));
    await h.settle();
    expect(h.order()).toEqual(['C', 'X', 'Y', 'T']);
    expect(h.at('X')).toEqual(['X', 'Y', 'T']);
  });

  it('AO-12 (Q14 not reproduced) a handler that throws is a failure retried after 5 s; the worker survives', async () => {
    const h = harness({
      C: (call) => {
        if (call === 1) throw new Error('panic: nil map');
        return { status: 'Success' };
      },
    });
    const c = task('C');
    h.queue.addLast(c);
    h.queue.addLast(task('X'));
    await h.settle();
    expect(h.order()).toEqual(['C']);
    expect(h.retries).toEqual([
      { id: 'C', delayMs: 5_000, failureCount: 1, error: expect.stringContaining('panic: nil map') },
    ]);
    expect(c.failureCount).toBe(1);
    await h.advance(4_999);
    expect(h.order()).toEqual(['C']);
    await h.advance(1);
    expect(h.order()).toEqual(['C', 'C', 'X']);
    expect(h.queue.tasks).toEqual([]);
  });
});
