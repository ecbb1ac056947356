/** Delay after a first failure, and the base of the exponential ones (shell-operator pkg/utils/exponential_backoff/delay.go). */
export const INITIAL_FAILURE_DELAY_MS = 5_000;
/** Unit of the exponential part: 2^(c−1) of it is added for failure count c. */
export const MIN_EXPONENTIAL_DELAY_MS = 1_000;
/** Upper bound of every failure delay. */
export const MAX_FAILURE_DELAY_MS = 32_000;
/** Failure counts 1..5 get the exponential formula; from 6 on the delay is the maximum. */
export const EXPONENTIAL_CALCULATIONS_COUNT = 5;
/** Jitter is a whole number of milliseconds, uniform in [0, 1000). */
export const BACKOFF_JITTER_MS = 1_000;
/** Exponential delays are truncated to a multiple of this. */
export const BACKOFF_TRUNCATE_MS = 100;
/** Sleep after a `Repeat` task result (shell-operator pkg/task/queue/task_result.go). */
export const REPEAT_DELAY_MS = 25;
/** Tick at which a queue's wait notices `CancelTaskDelay` (shell-operator pkg/task/queue/task_queue.go). */
export const QUEUE_WAIT_TICK_MS = 125;
/** Poll interval of an empty queue (shell-operator pkg/task/queue/task_queue.go). */
export const EMPTY_QUEUE_POLL_MS = 250;

/**
 * The sleep before retrying a failed task, exact per shell-operator pkg/utils/exponential_backoff/delay.go. `failureCountBefore` is the task's
 * failure count before this failure: 0 → 5000; 1..5 → 5 s + 2^(c−1) s + jitter, truncated to
 * 100 ms, capped at 32 s; ≥ 6 → 32000. `random` returns a number in [0, 1) (values outside are
 * clamped); it is called only when jitter applies. Throws RangeError for a negative or non-integer count.
 */
export function backoffDelayMs(failureCountBefore: number, random: () => number): number {
  const c = failureCountBefore;
  if (!Number.isInteger(c) || c < 0) {
    throw new RangeError(`failure count must be a non-negative integer, got ${c}`);
  }
  if (c === 0) return INITIAL_FAILURE_DELAY_MS;
  if (c > EXPONENTIAL_CALCULATIONS_COUNT) return MAX_FAILURE_DELAY_MS;
  const r = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  const jitterMs = Math.floor(r * BACKOFF_JITTER_MS);
  const raw = INITIAL_FAILURE_DELAY_MS + MIN_EXPONENTIAL_DELAY_MS * 2 ** (c - 1) + jitterMs;
  const truncated = Math.floor(raw / BACKOFF_TRUNCATE_MS) * BACKOFF_TRUNCATE_MS;
  return Math.min(truncated, MAX_FAILURE_DELAY_MS);
}
