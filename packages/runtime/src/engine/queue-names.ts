/** The queue of lifecycle work (addon-operator pkg/addon-operator/operator.go (queues)): startup, converges, module runs and deletes. */
export const MAIN = 'main';

/** The i-th queue of parallel module runs (addon-operator pkg/task/tasks/parallel-module-run/task.go). */
export const parallelQueueName = (i: number) => `parallel_queue_${i}`;
