import type { Task } from './task.js';

interface Waiter {
  remaining: Set<string>;
  resolve: () => void;
}

/** Tracks ParallelModuleRun parents and resolves each when all its child ModuleRuns succeeded. */
export class ParallelRuns {
  private readonly waiters = new Map<string, Waiter>();

  /** Registers a parent task; the promise resolves when every module is done or the parent is cancelled. */
  register(parent: Task, modules: string[]): Promise<void> {
    return new Promise((resolve) => {
      if (modules.length === 0) return resolve();
      this.waiters.set(parent.id, { remaining: new Set(modules), resolve });
    });
  }

  /** Called when a child ModuleRun finished successfully (or was skipped). */
  childDone(child: Task): void {
    if (!child.parentId || !child.module) return;
    const w = this.waiters.get(child.parentId);
    if (!w) return;
    w.remaining.delete(child.module);
    if (w.remaining.size === 0) {
      this.waiters.delete(child.parentId);
      w.resolve();
    }
  }

  /** Ends a parent's wait (converge restart drained it). */
  cancel(parentId: string): void {
    const w = this.waiters.get(parentId);
    if (!w) return;
    this.waiters.delete(parentId);
    w.resolve();
  }

  isActive(parentId: string): boolean {
    return this.waiters.has(parentId);
  }
}
