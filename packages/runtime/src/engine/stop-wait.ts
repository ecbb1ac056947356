import { KILL_AFTER_MS } from '../process-group.js';
import type { EngineCore } from './engine-core.js';

/** The default stop grace: 30 s, as Kubernetes' default terminationGracePeriodSeconds (docs/compatibility.md "Stopping"). */
export const DEFAULT_STOP_GRACE_MS = 30_000;

/** Whether a running task (not one waiting on other queues) or other tracked work is in flight. */
export function hasRunningWork(core: EngineCore): boolean {
  if (core.inflight > 0) return true;
  for (const q of core.queues.values()) if (q.busy) return true;
  return false;
}

/** The running tasks' descriptions, for logs and messages. */
export function runningWork(core: EngineCore): string[] {
  const out: string[] = [];
  for (const q of core.queues.values())
    if (q.busy && q.running)
      out.push(
        `${q.running.type}${q.running.module ? ` ${q.running.module}` : ''}${q.running.hook ? ` ${q.running.hook}` : ''}`,
      );
  return out;
}

const MAX_TIMER_MS = 2_147_483_647;

/**
 * A wall-clock deadline that can only move closer: `passed` resolves when it is reached, and
 * `shorten(ms)` brings it forward (a second stop request with a shorter grace).
 */
export class Deadline {
  readonly passed: Promise<void>;
  /** The time it was set to first, in ms. */
  readonly ms: number;
  private resolve!: () => void;
  private timer: NodeJS.Timeout | undefined;
  private at: number;

  constructor(ms: number) {
    this.ms = ms;
    this.passed = new Promise<void>((r) => (this.resolve = r));
    this.at = Date.now() + ms;
    this.arm(ms);
  }

  shorten(ms: number): void {
    if (Date.now() + ms >= this.at) return;
    this.at = Date.now() + ms;
    this.arm(ms);
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.clear();
    if (ms <= 0) this.resolve();
    // Beyond a timer's range (Infinity included) the deadline never passes; Node would fire it at once.
    else if (ms <= MAX_TIMER_MS) this.timer = setTimeout(() => this.resolve(), ms);
  }
}

/** Resolves true once no work is running (checked at each activity change), false if `deadline` passes first. */
export function whenNoRunningWork(core: EngineCore, deadline: Promise<void>): Promise<boolean> {
  if (!hasRunningWork(core)) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let done = false;
    const finish = (quiet: boolean) => {
      if (done) return;
      done = true;
      off();
      resolve(quiet);
    };
    const off = core.onActivityChange(() => {
      if (!hasRunningWork(core)) finish(true);
    });
    void deadline.then(() => finish(!hasRunningWork(core)));
  });
}

/**
 * The stop's wait: the running work gets until `grace`; if it has not ended by then, `abort()` (the
 * executors' signal: process groups get SIGTERM, SIGKILL KILL_AFTER_MS later). `sealLog()` either
 * way, then wait for aborted work to end, at most KILL_AFTER_MS + 3 s (an executor that ignores the
 * signal is not waited for longer).
 */
export async function drainRunningWork(
  core: EngineCore,
  grace: Deadline,
  steps: { abort(): void; sealLog(): void },
): Promise<void> {
  const ended = await whenNoRunningWork(core, grace.passed);
  grace.clear();
  if (!ended) {
    core.logger.warn(
      { graceMs: grace.ms, running: runningWork(core) },
      'stop grace passed: aborting the running tasks (SIGTERM, SIGKILL 5 s later)',
    );
    steps.abort();
  }
  steps.sealLog();
  if (ended) return;
  const bound = new Deadline(KILL_AFTER_MS + 3_000);
  if (!(await whenNoRunningWork(core, bound.passed)))
    core.logger.warn({ running: runningWork(core) }, 'stopped without waiting longer for aborted tasks');
  bound.clear();
}
