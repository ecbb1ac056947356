import type { Engine } from '@converge/runtime';
import { describeTask, MAIN } from '@converge/runtime';

/** One queue as shell-operator's queue dump shows it (`pkg/task/dump/dump.go`). */
export interface QueueDump {
  name: string;
  tasksCount: number;
  status?: string;
  tasks?: { index: number; description: string }[];
}

/** `/queue/list`: active queues (main first, then by name), empty ones, and a summary. */
export interface QueueListDump {
  active: QueueDump[];
  empty?: QueueDump[];
  summary: {
    mainQueueTasks: number;
    otherQueues: { active: number; empty: number; tasks: number };
    totalTasks: number;
  };
}

type Queue = Engine['core']['queues'] extends ReadonlyMap<string, infer Q> ? Q : never;

/** The worker's status line of a queue: what its head is doing. */
function statusOf(q: Queue, now: number): string {
  if (q.running) return q.blocked ? 'run first task (waiting on other queues)' : 'run first task';
  if (q.sleepDeadline !== undefined)
    return `sleep for ${Math.max(0, Math.ceil((q.sleepDeadline - now) / 1000))}s after a failure`;
  return q.tasks.length > 0 ? 'wait for the worker' : '';
}

function dumpOf(q: Queue, now: number): QueueDump {
  return {
    name: q.name,
    tasksCount: q.tasks.length,
    status: statusOf(q, now),
    tasks: q.tasks.map((t, i) => ({
      index: i + 1,
      description: `${describeTask(t)}${t.failureCount > 0 ? `, failures ${t.failureCount}: ${t.lastError ?? ''}` : ''}`,
    })),
  };
}

const byName = (a: QueueDump, b: QueueDump) =>
  a.name === MAIN ? -1 : b.name === MAIN ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/** `/queue/main`: the main queue. */
export function mainQueueDump(engine: Engine): QueueDump {
  const q = engine.core.queues.get(MAIN);
  return q
    ? dumpOf(q, engine.core.clock.now())
    : { name: MAIN, tasksCount: 0, status: 'Queue is not created' };
}

/** The text form of one queue dump. */
export function queueText(d: QueueDump): string {
  const lines = [`Queue '${d.name}': length ${d.tasksCount}, status: '${d.status ?? ''}'`, ''];
  for (const t of d.tasks ?? []) lines.push(`${String(t.index).padStart(2)}. ${t.description}`);
  return `${lines.join('\n')}\n`;
}

/** `/queue/list`: every queue; empty ones listed only with `showEmpty`. */
export function queueListDump(engine: Engine, showEmpty: boolean): QueueListDump {
  const now = engine.core.clock.now();
  const active: QueueDump[] = [];
  const empty: QueueDump[] = [];
  let mainTasks = 0;
  let others = { active: 0, empty: 0, tasks: 0 };
  for (const q of engine.core.queues.values()) {
    const d = dumpOf(q, now);
    if (q.name === MAIN) mainTasks = d.tasksCount;
    else if (d.tasksCount === 0) others = { ...others, empty: others.empty + 1 };
    else others = { ...others, active: others.active + 1, tasks: others.tasks + d.tasksCount };
    if (d.tasksCount === 0) empty.push({ name: d.name, tasksCount: 0 });
    else active.push(d);
  }
  active.sort(byName);
  empty.sort(byName);
  return {
    active,
    ...(showEmpty ? { empty } : {}),
    summary: { mainQueueTasks: mainTasks, otherQueues: others, totalTasks: mainTasks + others.tasks },
  };
}

const plural = (n: number, one: string, many: string, zero?: string) =>
  n === 0 && zero ? zero : `${n} ${n === 1 ? one : many}`;

/** The text form of `/queue/list` (shell-operator's layout). */
export function queueListText(d: QueueListDump): string {
  const parts: string[] = d.active.map(queueText);
  let out = parts.join('\n');
  if (d.empty) out += `\nEmpty queues (${d.empty.length}):\n${d.empty.map((q) => `- ${q.name}\n`).join('')}`;
  const others = d.summary.otherQueues;
  const otherCount = others.active + others.empty;
  const summary = [
    'Summary:',
    `- '${MAIN}' queue: ${plural(d.summary.mainQueueTasks, 'task', 'tasks', 'empty')}.`,
  ];
  if (otherCount > 0)
    summary.push(
      `- ${plural(otherCount, 'other queue', 'other queues')} (${others.active} active, ${others.empty} empty): ${plural(others.tasks, 'task', 'tasks')}.`,
    );
  summary.push(
    d.summary.totalTasks === 0
      ? '- no tasks to handle.'
      : `- total ${plural(d.summary.totalTasks, 'task', 'tasks')} to handle.`,
  );
  return `${out}${out ? '\n' : ''}${summary.join('\n')}\n`;
}
