import type { BindingContext } from './ports.js';

/**
 * Binding-context combining (AO §1.7, HP §2.9) and large-queue compaction (AO §1.6), as pure
 * functions over queue records. Callers remove the absorbed tasks, give the combined contexts to
 * the head task and report absorbed Synchronization tasks as done.
 */

/** What combining needs to know of a queued task. */
export interface CombinableTask {
  id: string;
  /** Task type, e.g. `ModuleHookRun` or `GlobalHookRun`. */
  kind: string;
  /** Identifies the hook (addon-operator keys on the hook name only). */
  hookKey: string;
  contexts: BindingContext[];
  /** Group of each context (same length as `contexts`); `undefined` or `''` means none. */
  groups: (string | undefined)[];
  /** Present on kubernetes Synchronization tasks. */
  sync?: { waitForSynchronization: boolean; executeOnSynchronization: boolean };
}

/** The result of combining: contexts and groups for the head task, and what it absorbed. */
export interface CombineResult {
  /** Ids of the absorbed tasks, in queue order (empty: nothing to combine). */
  absorbedIds: string[];
  contexts: BindingContext[];
  groups: (string | undefined)[];
  /** Ids of absorbed Synchronization tasks, to be marked done. */
  absorbedSyncIds: string[];
}

export interface CombineOptions {
  /**
   * `addon-operator` (default): Synchronization tasks combine, but two Synchronization tasks that
   * differ in waitForSynchronization or executeOnSynchronization stop the run. `shell-operator`:
   * an ungrouped Synchronization head combines with nothing.
   */
  flavour?: 'addon-operator' | 'shell-operator';
}

const grouped = (g: string | undefined): g is string => typeof g === 'string' && g !== '';

/**
 * Group compaction: a context is dropped when the next one has the same non-empty group, so runs
 * of same-group contexts collapse to their last element; ungrouped contexts are kept.
 */
export function compactGroups(
  contexts: readonly BindingContext[],
  groups: readonly (string | undefined)[],
): { contexts: BindingContext[]; groups: (string | undefined)[] } {
  const out = { contexts: [] as BindingContext[], groups: [] as (string | undefined)[] };
  contexts.forEach((context, i) => {
    const g = groups[i];
    if (grouped(g) && groups[i + 1] === g && i + 1 < contexts.length) return;
    out.contexts.push(context);
    out.groups.push(g);
  });
  return out;
}

function groupsOf(task: CombinableTask): (string | undefined)[] {
  return task.contexts.map((_, i) => task.groups[i]);
}

function differentSync(a: CombinableTask, b: CombinableTask): boolean {
  return (
    a.sync !== undefined &&
    b.sync !== undefined &&
    (a.sync.waitForSynchronization !== b.sync.waitForSynchronization ||
      a.sync.executeOnSynchronization !== b.sync.executeOnSynchronization)
  );
}

/**
 * Combining at execution time (AO §1.7): the maximal run of tasks right after `headIndex` with the
 * same kind and hook is absorbed; contexts are the head's followed by theirs in queue order, then
 * group-compacted. With nothing to absorb the head's contexts come back unchanged. Call it only
 * for v1 hooks, and not for a Synchronization that is skipped.
 */
export function combineFollowing(
  queue: readonly CombinableTask[],
  headIndex: number,
  options: CombineOptions = {},
): CombineResult {
  const head = queue[headIndex];
  if (!head) throw new RangeError(`no task at index ${headIndex} (queue length ${queue.length})`);
  const none: CombineResult = {
    absorbedIds: [],
    contexts: [...head.contexts],
    groups: groupsOf(head),
    absorbedSyncIds: [],
  };
  const flavour = options.flavour ?? 'addon-operator';
  if (flavour === 'shell-operator' && head.sync && !head.groups.some(grouped)) return none;
  const absorbed: CombinableTask[] = [];
  for (let i = headIndex + 1; i < queue.length; i++) {
    const t = queue[i] as CombinableTask;
    if (t.kind !== head.kind || t.hookKey !== head.hookKey) break;
    if (flavour === 'addon-operator' && differentSync(head, t)) break;
    absorbed.push(t);
  }
  if (absorbed.length === 0) return none;
  const all = [head, ...absorbed];
  const compacted = compactGroups(
    all.flatMap((t) => t.contexts),
    all.flatMap(groupsOf),
  );
  return {
    absorbedIds: absorbed.map((t) => t.id),
    ...compacted,
    absorbedSyncIds: absorbed.filter((t) => t.sync).map((t) => t.id),
  };
}

/** One merge of large-queue compaction: tasks `absorbedIds` merged into `intoId`. */
export interface QueueMerge {
  intoId: string;
  absorbedIds: string[];
  contexts: BindingContext[];
  groups: (string | undefined)[];
  absorbedSyncIds: string[];
}

export interface LargeQueueOptions {
  /** The task being processed, which is never merged. */
  runningId?: string;
  /** Task kinds that compact; default `['ModuleHookRun']` (GlobalHookRun never compacts). */
  kinds?: readonly string[];
  /** Per-hook count and queue length threshold; default 100. */
  threshold?: number;
}

/**
 * Large-queue compaction (AO §1.6): when the queue holds more than `threshold` tasks, every hook
 * with at least `threshold` compactable tasks (anywhere, the running one excepted) has them merged
 * into its first: contexts concatenated in queue order, then ungrouped ones kept in order followed
 * by the last context of each group, groups in order of first appearance. Hooks are merged in
 * order of their first task.
 */
export function compactLargeQueue(
  queue: readonly CombinableTask[],
  options: LargeQueueOptions = {},
): QueueMerge[] {
  const threshold = options.threshold ?? 100;
  const kinds = options.kinds ?? ['ModuleHookRun'];
  if (queue.length <= threshold) return [];
  const byHook = new Map<string, CombinableTask[]>();
  for (const t of queue) {
    if (!kinds.includes(t.kind) || t.id === options.runningId) continue;
    const list = byHook.get(t.hookKey) ?? [];
    list.push(t);
    byHook.set(t.hookKey, list);
  }
  const merges: QueueMerge[] = [];
  for (const tasks of byHook.values()) {
    if (tasks.length < threshold) continue;
    const [first, ...rest] = tasks as [CombinableTask, ...CombinableTask[]];
    const contexts = tasks.flatMap((t) => t.contexts);
    const groups = tasks.flatMap(groupsOf);
    const lastOfGroup = new Map<string, number>();
    groups.forEach((g, i) => {
      if (grouped(g)) lastOfGroup.set(g, i);
    });
    const ungrouped = contexts.flatMap((c, i) => (grouped(groups[i]) ? [] : [{ c, g: groups[i] }]));
    const lasts = [...lastOfGroup].map(([g, i]) => ({ c: contexts[i] as BindingContext, g }));
    const kept = [...ungrouped, ...lasts];
    merges.push({
      intoId: first.id,
      absorbedIds: rest.map((t) => t.id),
      contexts: kept.map((k) => k.c),
      groups: kept.map((k) => k.g),
      absorbedSyncIds: rest.filter((t) => t.sync).map((t) => t.id),
    });
  }
  return merges;
}
