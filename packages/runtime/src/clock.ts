import type { Clock, Random, TimerHandle } from '@converge/core';

/** Wall-clock time and real timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }
  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const t = setTimeout(fire, delayMs);
    return { cancel: () => clearTimeout(t) };
  }
}

interface VirtualTimer {
  id: number;
  due: number;
  fire: () => void;
}

/**
 * A clock that only moves when told to. Timers fire in due order when `fireNext` is called;
 * the test kit's `advance(ms)` steps through them and settles between firings (README.md "Test a module's lifecycle").
 */
export class VirtualClock implements Clock {
  private current: number;
  private timers: VirtualTimer[] = [];
  private nextId = 1;

  constructor(start: number | string = '2026-01-01T00:00:00Z') {
    this.current = typeof start === 'number' ? start : Date.parse(start);
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fire: () => void): TimerHandle {
    const timer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), fire };
    this.timers.push(timer);
    return { cancel: () => this.cancel(timer.id) };
  }

  private cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /** Due time of the earliest pending timer, if any. */
  nextDue(): number | undefined {
    let due: number | undefined;
    for (const t of this.timers) if (due === undefined || t.due < due) due = t.due;
    return due;
  }

  /** Number of pending timers. */
  pending(): number {
    return this.timers.length;
  }

  /** Fires the earliest timer due at or before `limit`, moving the clock to its due time. */
  fireNext(limit: number): boolean {
    let best: VirtualTimer | undefined;
    for (const t of this.timers)
      if (t.due <= limit && (!best || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
    if (!best) return false;
    this.cancel(best.id);
    if (best.due > this.current) this.current = best.due;
    best.fire();
    return true;
  }

  /** Moves the clock forward without firing anything. */
  setTime(ms: number): void {
    if (ms > this.current) this.current = ms;
  }
}

/** Math.random as a port. */
export const systemRandom: Random = { next: () => Math.random() };

/** A small seedable generator (mulberry32) for deterministic jitter in tests. */
export function seededRandom(seed = 1): Random {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
