/** The queue of lifecycle work (AO §2): startup, converges, module runs and deletes. */
export const MAIN = 'main';

/** The i-th queue of parallel module runs (AO §7.5). */
export const parallelQueueName = (i: number) => `parallel_queue_${i}`;
