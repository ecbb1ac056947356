import type { Task } from './task.js';

/** Per-hook task count that triggers a merge, and the queue length above which it applies (shell-operator pkg/task/queue/task_queue.go (compaction)). */
export const COMPACTION_THRESHOLD = 100;

const keyOf = (t: Task) => `${t.module ?? ''}|${t.hook ?? ''}`;

/**
 * Large-queue compaction (shell-operator pkg/task/queue/task_queue.go (compaction)): when a queue holds more than 100 tasks and one hook has 100
 * or more ModuleHookRun tasks in it, all of that hook's tasks (except a running one) merge into
 * the first: contexts concatenated in queue order, then ungrouped contexts kept in order and, per
 * group, only the last context kept (groups in first-seen order, deterministic). Returns the
 * merged-away tasks (absorbed Synchronization tasks must be reported done by the caller).
 */
export function compactQueue(tasks: Task[], running: Task | undefined): Task[] {
  if (tasks.length <= COMPACTION_THRESHOLD) return [];
  const counts = new Map<string, number>();
  for (const t of tasks)
    if (t.type === 'ModuleHookRun' && t !== running) counts.set(keyOf(t), (counts.get(keyOf(t)) ?? 0) + 1);
  const absorbed: Task[] = [];
  for (const [key, n] of counts) {
    if (n < COMPACTION_THRESHOLD) continue;
    const same = tasks.filter((t) => t.type === 'ModuleHookRun' && t !== running && keyOf(t) === key);
    const [first, ...rest] = same;
    const contexts = same.flatMap((t) => t.contexts ?? []);
    const groups = same.flatMap((t) => t.groups ?? (t.contexts ?? []).map(() => undefined));
    const lastOfGroup = new Map<string, number>();
    groups.forEach((g, i) => {
      if (g) lastOfGroup.set(g, i);
    });
    const keep = contexts.map((_, i) => !groups[i]);
    const ungrouped = contexts.filter((_, i) => keep[i]);
    const grouped = [...lastOfGroup.values()].map((i) => contexts[i]);
    first.contexts = [...ungrouped, ...grouped];
    first.groups = [...ungrouped.map(() => undefined), ...[...lastOfGroup.keys()]];
    first.bindingNames = [...new Set(first.contexts.map((c) => String(c.binding)))];
    for (const t of rest) {
      tasks.splice(tasks.indexOf(t), 1);
      absorbed.push(t);
    }
  }
  return absorbed;
}
