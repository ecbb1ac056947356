import { noteQueued } from '../operator-metrics.js';
import { IdSource } from './ids.js';
import { MAIN } from './queue-names.js';
import type { Task } from './task.js';
import { type QueueHost, TaskQueue } from './task-queue.js';

/**
 * The engine's queues (addon-operator pkg/addon-operator/operator.go (queues)): `main`, the named hook queues and the parallel ones, created on
 * first use; new tasks with engine-unique ids; idleness (no runnable task, no tracked work).
 */
export class EngineQueues {
  readonly ids = new IdSource();
  readonly all = new Map<string, TaskQueue>();
  private readonly activityListeners = new Set<() => void>();
  /** Async work outside queue handlers (event routing, config reloads) still in flight. */
  inflight = 0;

  constructor(private readonly host: QueueHost) {}

  queue(name: string): TaskQueue {
    let q = this.all.get(name);
    if (!q) {
      q = new TaskQueue(name, this.host);
      this.all.set(name, q);
    }
    return q;
  }

  newTask(t: Omit<Task, 'id' | 'failureCount'>): Task {
    const task = { ...t, id: this.ids.next(t.type), failureCount: 0 };
    noteQueued(task, this.host.clock.now());
    return task;
  }

  enqueue(task: Task): void {
    this.queue(task.queue).addLast(task);
  }

  notifyActivity(): void {
    for (const l of this.activityListeners) l();
  }

  onActivityChange(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** No task runnable, no handler busy, no async routing in flight. */
  isIdle(): boolean {
    if (this.inflight > 0) return false;
    for (const q of this.all.values()) if (!q.idle) return false;
    return true;
  }

  /** Runs `work` while counting it as in-flight, so that idleness waits for it. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await work();
    } finally {
      this.inflight--;
      this.notifyActivity();
    }
  }

  /** True when `main` (other than its head) holds a ModuleRun for `module` (addon-operator pkg/task/tasks/module-hook-run/task.go step 8). */
  hasPendingModuleRun(module: string): boolean {
    const main = this.queue(MAIN);
    return main.tasks.some(
      (t, i) =>
        (i > 0 || t !== main.running) &&
        ((t.type === 'ModuleRun' && t.module === module) ||
          (t.type === 'ParallelModuleRun' && t.parallel?.modules.some((m) => m.name === module))),
    );
  }
}
