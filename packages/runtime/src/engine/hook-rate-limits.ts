import {
  type HookDefinition,
  rateLimitOf,
  reserveToken,
  type TimerHandle,
  type TokenBucket,
} from '@converge/core';
import type { EngineHost } from './engine-host.js';

/**
 * Per-hook rate limits on the engine clock (virtual in tests): before each run a hook with
 * `settings.executionMinInterval` takes a token of its bucket, and waits for one when none is
 * left, as shell-operator's `RateLimitWait` does (pkg/hook/hook.go; addon-operator calls it for
 * every module and global hook run). While it waits its queue counts as idle, not busy.
 */
export class HookRateLimits {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly waiting = new Set<TimerHandle>();

  constructor(private readonly core: EngineHost) {}

  /**
   * `true` at once when `hook` (of `module`) may run now (no await, so an unlimited hook's run is
   * scheduled exactly as before); else a promise of whether it may run after waiting (false if
   * the engine stopped meanwhile). `queue` is marked blocked while it waits.
   */
  wait(module: string | undefined, hook: HookDefinition, queue: string): true | Promise<boolean> {
    const limit = rateLimitOf(hook.settings);
    if (!limit) return true;
    const key = `${module ?? ''}|${hook.name}`;
    const { bucket, delayMs } = reserveToken(this.buckets.get(key), this.core.clock.now(), limit);
    this.buckets.set(key, bucket);
    if (delayMs <= 0) return true;
    return this.delay(module, hook, queue, delayMs);
  }

  private async delay(
    module: string | undefined,
    hook: HookDefinition,
    queue: string,
    delayMs: number,
  ): Promise<boolean> {
    const q = this.core.queues.get(queue);
    const wasBlocked = q?.blocked ?? false;
    q?.setBlocked(true);
    this.core.logger.debug({ module, hook: hook.name, queue, delayMs }, 'hook waits for its rate limit');
    await new Promise<void>((resolve) => {
      const timer = this.core.clock.setTimer(delayMs, () => {
        this.waiting.delete(timer);
        resolve();
      });
      this.waiting.add(timer);
    });
    q?.setBlocked(wasBlocked);
    return !this.core.stopped;
  }

  /** Forgets a module's buckets: its hooks are registered anew (with full buckets) when it is enabled again. */
  forget(module: string): void {
    for (const key of this.buckets.keys()) if (key.startsWith(`${module}|`)) this.buckets.delete(key);
  }

  /** Cancels every wait (engine stop); their runs never start. */
  stop(): void {
    for (const t of this.waiting) t.cancel();
    this.waiting.clear();
  }
}
