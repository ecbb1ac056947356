/**
 * A hook's rate limit (`settings.executionMinInterval` / `executionBurst`): the token bucket of
 * golang.org/x/time/rate that shell-operator gives every hook (pkg/hook/hook.go
 * CreateRateLimiter) and waits on before each run. One token comes back every `intervalMs`, the
 * bucket holds `burst` (1 when unset) and starts full; a run takes a token, and when none is left it
 * reserves the next one and waits for it. An interval of 0 means no limit.
 */
export interface RateLimit {
  intervalMs: number;
  burst: number;
}

/** The bucket's state: tokens (negative while runs wait for reserved ones) at time `at`. */
export interface TokenBucket {
  tokens: number;
  at: number;
}

/** The limit shell-operator builds from a hook's settings; undefined when runs are not limited. */
export function rateLimitOf(
  settings: { executionMinIntervalMs: number; executionBurst: number } | undefined,
): RateLimit | undefined {
  if (!settings || settings.executionMinIntervalMs <= 0) return undefined;
  return {
    intervalMs: settings.executionMinIntervalMs,
    burst: settings.executionBurst > 0 ? settings.executionBurst : 1,
  };
}

/** Takes one token at `now` (rate.Limiter.Wait): the new bucket and how long the run must wait. */
export function reserveToken(
  bucket: TokenBucket | undefined,
  now: number,
  limit: RateLimit,
): { bucket: TokenBucket; delayMs: number } {
  const previous = bucket ?? { tokens: limit.burst, at: now };
  const elapsed = Math.max(0, now - previous.at);
  const tokens = Math.min(limit.burst, previous.tokens + elapsed / limit.intervalMs) - 1;
  return {
    bucket: { tokens, at: Math.max(now, previous.at) },
    delayMs: tokens < 0 ? Math.ceil(-tokens * limit.intervalMs) : 0,
  };
}
