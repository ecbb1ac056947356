import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  INITIAL_FAILURE_DELAY_MS,
  MAX_FAILURE_DELAY_MS,
  REPEAT_DELAY_MS,
} from '../src/backoff.js';

/** A small deterministic generator (mulberry32) standing in for the injected Random. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoffDelayMs', () => {
  it('AO-1 a task failing 8 times waits 5 s, then 6–21.9 s growing, then 32 s, 32 s', () => {
    for (const seed of [1, 7, 42, 1234, 99999]) {
      const random = seeded(seed);
      // failure #n has failureCountBefore = n - 1
      const delays = Array.from({ length: 8 }, (_, c) => backoffDelayMs(c, random));
      expect(delays[0]).toBe(5000);
      const ranges: [number, number][] = [
        [6000, 6900],
        [7000, 7900],
        [9000, 9900],
        [13000, 13900],
        [21000, 21900],
      ];
      ranges.forEach(([lo, hi], i) => {
        const d = delays[i + 1];
        expect(d).toBeGreaterThanOrEqual(lo);
        expect(d).toBeLessThanOrEqual(hi);
        expect(d % 100).toBe(0);
      });
      expect(delays.slice(6)).toEqual([32000, 32000]);
    }
  });

  it('takes jitter as whole milliseconds and truncates to 100 ms', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(6000);
    expect(backoffDelayMs(1, () => 0.0999)).toBe(6000);
    expect(backoffDelayMs(1, () => 0.1)).toBe(6100);
    expect(backoffDelayMs(1, () => 0.3)).toBe(6300);
    expect(backoffDelayMs(2, () => 0.55)).toBe(7500);
    expect(backoffDelayMs(3, () => 0.999)).toBe(9900);
    expect(backoffDelayMs(5, () => 0.999)).toBe(21900);
  });

  it('clamps a random source that leaves [0, 1)', () => {
    expect(backoffDelayMs(1, () => 1)).toBe(6900);
    expect(backoffDelayMs(1, () => -0.5)).toBe(6000);
  });

  it('uses no jitter for the first failure and from the 7th on', () => {
    let calls = 0;
    const random = () => {
      calls++;
      return 0.5;
    };
    expect(backoffDelayMs(0, random)).toBe(INITIAL_FAILURE_DELAY_MS);
    expect(backoffDelayMs(6, random)).toBe(MAX_FAILURE_DELAY_MS);
    expect(backoffDelayMs(1000, random)).toBe(MAX_FAILURE_DELAY_MS);
    expect(calls).toBe(0);
  });

  it('rejects a negative or fractional failure count', () => {
    expect(() => backoffDelayMs(-1, () => 0)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5, () => 0)).toThrow(RangeError);
  });

  it('AO-2 repeat delay is 25 ms', () => {
    expect(REPEAT_DELAY_MS).toBe(25);
  });
});
