import type { Engine } from '@converge/runtime';
import type { InspectorQueue, InspectorQueuesMessage } from '@converge/viz';

/** A task as the inspector names it: `Type:module:binding:hook`, the parts it has. */
function taskName(t: { type: string; module?: string; binding?: string; hook?: string }): string {
  let s = t.type;
  if (t.module) s += `:${t.module}`;
  if (t.hook) s += `:${t.binding ? `${t.binding}:` : ''}${t.hook}`;
  return s;
}

/**
 * Every queue of `engine` with its head task, length and pending retry, at engine-clock time `now`.
 * Reads the head only (not every task), so it stays cheap on a long queue.
 */
export function queueSummary(engine: Engine): InspectorQueuesMessage {
  const queues: InspectorQueue[] = [];
  for (const [name, q] of engine.core.queues) {
    const head = q.tasks[0];
    queues.push({
      name,
      ...(head ? { head: taskName(head) } : {}),
      running: q.running !== undefined,
      length: q.tasks.length,
      ...(q.sleepDeadline !== undefined ? { sleepingUntil: q.sleepDeadline } : {}),
      ...(head && head.failureCount > 0 ? { failures: head.failureCount } : {}),
      ...(head?.lastError !== undefined ? { lastError: head.lastError } : {}),
    });
  }
  return { now: engine.core.clock.now(), queues };
}
