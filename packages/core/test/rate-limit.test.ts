import { describe, expect, it } from 'vitest';
import { rateLimitOf, reserveToken, type TokenBucket } from '../src/index.js';

/** Delays of runs asked for at `times`, each waiting for its token (golang.org/x/time/rate Wait). */
function delays(times: number[], limit = { intervalMs: 5000, burst: 2 }): number[] {
  let bucket: TokenBucket | undefined;
  return times.map((now) => {
    const r = reserveToken(bucket, now, limit);
    bucket = r.bucket;
    return r.delayMs;
  });
}

describe('hook rate limit (shell-operator CreateRateLimiter, x/time/rate token bucket)', () => {
  it('TV-10 burst runs go at once, then one per executionMinInterval; an idle bucket refills to the burst', () => {
    expect(delays([0, 0, 0, 0, 0])).toEqual([0, 0, 5000, 10000, 15000]);
    expect(delays([0, 0, 30_000, 30_000, 30_000])).toEqual([0, 0, 0, 0, 5000]);
    expect(delays([0, 0, 2500])).toEqual([0, 0, 2500]);
  });

  it('TV-10 no executionMinInterval means no limit; executionBurst 0 means a burst of 1', () => {
    expect(rateLimitOf(undefined)).toBeUndefined();
    expect(rateLimitOf({ executionMinIntervalMs: 0, executionBurst: 3 })).toBeUndefined();
    expect(rateLimitOf({ executionMinIntervalMs: 1000, executionBurst: 0 })).toEqual({
      intervalMs: 1000,
      burst: 1,
    });
    expect(delays([0, 0, 0], { intervalMs: 1000, burst: 1 })).toEqual([0, 1000, 2000]);
  });
});
