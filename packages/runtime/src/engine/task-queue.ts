import type { Clock, Random, TimerHandle } from '@converge/core';
import { backoffDelayMs, REPEAT_DELAY_MS } from '@converge/core';
import { COMPACTION_THRESHOLD, compactQueue } from './compaction.js';
import type { Task, TaskResult } from './task.js';

export interface QueueHost {
  clock: Clock;
  random: Random;
  handle(task: Task, queue: TaskQueue): Promise<TaskResult>;
  /** Called when a task fails and is scheduled for retry (records RetryScheduled). */
  onRetry(task: Task, queue: TaskQueue, delayMs: number, result: TaskResult): void;
  onWarn(message: string, task: Task): void;
  /** Tasks merged into an earlier task of the same hook by large-queue compaction. */
  onCompacted?(absorbed: Task[], queue: TaskQueue): void;
  /** Called whenever the queue becomes busy or idle. */
  onActivity(): void;
  /** Once true, no queue of this host takes a task, queues created after the stop included. */
  readonly stopped?: boolean;
}

/**
 * A FIFO task queue with one worker (shell-operator pkg/task/queue/task_result.go–shell-operator pkg/utils/exponential_backoff/delay.go): the head task runs, `Fail` keeps it at the
 * head and sleeps with backoff, `Repeat` re-runs it after 25 ms, `Keep`/`Success` insert
 * sub-tasks (head, after, tail).
 */
export class TaskQueue {
  readonly tasks: Task[] = [];
  running: Task | undefined;
  /** The running handler waits on work elsewhere (children, synchronization): not "busy". */
  blocked = false;
  private sleepTimer: TimerHandle | undefined;
  private sleepingUntil: number | undefined;
  /** The failed task the queue sleeps for; removing it ends the sleep. */
  private sleepingFor: Task | undefined;
  private stopped = false;
  private scheduled = false;

  constructor(
    readonly name: string,
    private readonly host: QueueHost,
  ) {}

  /** Marks the running handler as waiting on other queues (or not) and notifies the host. */
  setBlocked(blocked: boolean): void {
    this.blocked = blocked;
    this.host.onActivity();
  }

  get sleeping(): boolean {
    return this.sleepTimer !== undefined;
  }

  get sleepDeadline(): number | undefined {
    return this.sleepingUntil;
  }

  /** True when the worker would not do anything without a timer or an outside event. */
  get idle(): boolean {
    if (this.halted) return true;
    if (this.running) return this.blocked;
    return this.tasks.length === 0 || this.sleeping;
  }

  addLast(task: Task): void {
    this.tasks.push(task);
    if (this.tasks.length > COMPACTION_THRESHOLD) {
      const absorbed = compactQueue(this.tasks, this.running);
      if (absorbed.length > 0) this.host.onCompacted?.(absorbed, this);
    }
    this.kick();
  }

  addFirst(...tasks: Task[]): void {
    this.tasks.unshift(...tasks);
    this.kick();
  }

  /** Inserts after the task with `id`; a no-op when it is not queued (shell-operator pkg/task/queue/task_result.go). */
  addAfter(id: string, ...tasks: Task[]): void {
    const i = this.tasks.findIndex((t) => t.id === id);
    if (i < 0) return;
    this.tasks.splice(i + 1, 0, ...tasks);
    this.kick();
  }

  remove(id: string): boolean {
    const i = this.tasks.findIndex((t) => t.id === id);
    if (i < 0) return false;
    const [removed] = this.tasks.splice(i, 1);
    if (removed === this.sleepingFor) this.cancelDelay();
    return true;
  }

  /** Removes every task (except the running one) for which `drop` returns true, visiting head to tail. */
  removeWhere(drop: (t: Task) => boolean): Task[] {
    const removed: Task[] = [];
    const kept: Task[] = [];
    for (const t of this.tasks) {
      if (t !== this.running && drop(t)) removed.push(t);
      else kept.push(t);
    }
    if (removed.length === 0) return removed;
    this.tasks.splice(0, this.tasks.length, ...kept);
    if (this.sleepingFor && removed.includes(this.sleepingFor)) this.cancelDelay();
    return removed;
  }

  /** Ends a backoff sleep early so that the (new) head task runs now (AO CancelTaskDelay). */
  cancelDelay(): void {
    if (this.sleepTimer) {
      this.sleepTimer.cancel();
      this.sleepTimer = undefined;
      this.sleepingUntil = undefined;
      this.sleepingFor = undefined;
      this.kick();
    }
  }

  /** True while a handler runs that is not waiting on other queues (what a stop's grace waits for). */
  get busy(): boolean {
    return this.running !== undefined && !this.blocked;
  }

  private get halted(): boolean {
    return this.stopped || this.host.stopped === true;
  }

  /** Takes no task from now on; a handler already running goes on until it returns. */
  stop(): void {
    this.stopped = true;
    this.sleepTimer?.cancel();
    this.sleepTimer = undefined;
  }

  /** Schedules the worker to look at the head (coalesced into one microtask). */
  kick(): void {
    if (this.scheduled || this.halted) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      void this.pump();
    });
    this.host.onActivity();
  }

  private sleep(ms: number, forTask?: Task): void {
    this.sleepingFor = forTask;
    this.sleepingUntil = this.host.clock.now() + ms;
    this.sleepTimer = this.host.clock.setTimer(ms, () => {
      this.sleepTimer = undefined;
      this.sleepingUntil = undefined;
      this.sleepingFor = undefined;
      this.kick();
    });
  }

  private async pump(): Promise<void> {
    if (this.halted || this.running || this.sleeping) return;
    const task = this.tasks[0];
    if (!task) {
      this.host.onActivity();
      return;
    }
    this.running = task;
    let result: TaskResult;
    try {
      result = await this.host.handle(task, this);
    } catch (e) {
      result = { status: 'Fail', error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    this.running = undefined;
    this.blocked = false;
    if (this.halted) {
      // A stopping engine waits for running handlers to end (engine.stop's grace).
      this.host.onActivity();
      return;
    }
    this.apply(task, result);
    this.host.onActivity();
  }

  private apply(task: Task, result: TaskResult): void {
    switch (result.status) {
      case 'Fail': {
        if (result.head?.length || result.after?.length || result.tail?.length)
          this.host.onWarn('sub-tasks of a failed task are ignored', task);
        const delay = result.delayMs ?? backoffDelayMs(task.failureCount, () => this.host.random.next());
        task.failureCount++;
        task.lastError = result.error;
        this.host.onRetry(task, this, delay, result);
        this.sleep(delay, task);
        return;
      }
      case 'Repeat':
        // shell-operator's ProcessResult: a repeated task's sub-tasks are dropped with a warning.
        if (result.head?.length || result.after?.length || result.tail?.length)
          this.host.onWarn('sub-tasks of a repeated task are ignored', task);
        this.sleep(result.delayMs ?? REPEAT_DELAY_MS);
        return;
      default: {
        if (result.after?.length) {
          const i = this.tasks.indexOf(task);
          if (i >= 0) this.tasks.splice(i + 1, 0, ...result.after);
        }
        if (result.status === 'Success') {
          const i = this.tasks.indexOf(task);
          if (i >= 0) this.tasks.splice(i, 1);
        }
        if (result.head?.length) this.tasks.unshift(...result.head);
        if (result.tail?.length) this.tasks.push(...result.tail);
        if (result.delayMs) this.sleep(result.delayMs);
        else this.kick();
      }
    }
  }
}
