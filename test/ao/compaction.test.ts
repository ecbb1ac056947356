import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { alwaysFail, CallLog, checkReplayThenStop, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p${i}`, namespace: 'ns', labels: { app: 'x' } },
});
const binding = (name: string, queue: string) => ({
  name,
  apiVersion: 'v1',
  kind: 'Pod',
  labelSelector: { matchLabels: { app: 'x' } },
  queue,
  executeHookOnSynchronization: false,
});

describe('queue compaction (shell-operator pkg/task/queue/task_queue.go (compaction))', () => {
  it('AO-10 past 100 queued tasks, a module hook’s tasks merge into its first; global hook tasks never do', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { kubernetes: [binding('pods', 'gq')] }, alwaysFail())],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/h', { kubernetes: [binding('pods', 'q')] }, alwaysFail()),
            hook(log, 'hooks/k', { kubernetes: [binding('pods2', 'q')] }, alwaysFail()),
          ],
        },
      ],
    });
    await t.start();
    // One event first: the hooks fail and their queues sleep in backoff, so later tasks pile up.
    await t.cluster.apply(pod(0));
    for (let i = 1; i <= 120; i++) t.clusterStore.put(pod(i));
    await t.settle();
    const q = t.queues().q.tasks;
    // 240 tasks queued behind a failing head; each hook's tasks merged when it reached 100,
    // so only the ~20 + 20 queued after the merges stay separate.
    expect(q.length).toBeLessThan(50);
    const head = t.engine.core.queue('q').tasks[0];
    expect(head.contexts?.length).toBeGreaterThanOrEqual(100);
    expect(t.metrics.get('tasks_queue_compaction_operations_total', { queue_name: 'q' })).toBeGreaterThan(0);
    expect(t.queues().gq.tasks.length).toBe(121);
  });
});
