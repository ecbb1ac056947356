import type { EventStore, StoredSnapshot } from '@converge/core';
import type { ConvergeEvent, NewEvent } from '@converge/protocol';

/**
 * A simulated `kill -9` of one engine: once its log reaches the crash seq, nothing it does
 * reaches the world any more. Appends past the seq are dropped, and every executor call it makes
 * from then on never returns and does nothing — as a dead process does nothing.
 */
export class CrashPoint {
  private at = Number.POSITIVE_INFINITY;
  private reached = false;
  private resolveCrash: () => void = () => {};
  /** Resolves when the engine died. */
  readonly crashed = new Promise<void>((resolve) => {
    this.resolveCrash = resolve;
  });

  /** Kill the engine right after event `seq` is durable (at once if it already is). */
  arm(seq: number, lastSeq: number): void {
    this.at = seq;
    if (lastSeq >= seq) this.die();
  }

  /** Kill the engine now. */
  die(): void {
    if (this.reached) return;
    this.reached = true;
    this.resolveCrash();
  }

  get dead(): boolean {
    return this.reached;
  }

  /** The store as the engine sees it: appends past the crash seq are not written. */
  store(inner: EventStore): EventStore {
    const point = this;
    let ghostSeq = 0;
    return {
      append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
        if (point.dead) return ghost(events);
        const room = point.at - inner.lastSeq();
        const kept = inner.append(events.slice(0, Math.max(0, room)));
        if (inner.lastSeq() >= point.at) point.die();
        return kept.length === events.length ? kept : [...kept, ...ghost(events.slice(kept.length))];
      },
      read: (from?: number) => inner.read(from),
      lastSeq: () => (point.dead ? Math.max(ghostSeq, inner.lastSeq()) : inner.lastSeq()),
      subscribe: (l) => inner.subscribe(l),
      saveSnapshot(s: StoredSnapshot) {
        if (!point.dead) inner.saveSnapshot(s);
      },
      loadSnapshot: () => inner.loadSnapshot(),
      flush: () => (point.dead ? never() : inner.flush()),
      close: async () => {},
      ...(inner.records ? { records: inner.records } : {}),
    };

    // What the dead engine believes it appended: numbered on, kept nowhere.
    function ghost(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
      if (ghostSeq < inner.lastSeq()) ghostSeq = inner.lastSeq();
      return events.map((e) => ({ seq: ++ghostSeq, v: 1, ...e }) as unknown as ConvergeEvent);
    }
  }

  /** `target` with every method gated: after the crash a call never settles and does nothing. */
  gate<T extends object>(target: T): T {
    const point = this;
    return new Proxy(target, {
      get(obj, key) {
        const value = Reflect.get(obj, key);
        if (typeof value !== 'function') return value;
        return function (this: unknown, ...args: unknown[]) {
          if (point.dead) return key === 'watch' ? () => {} : never();
          return value.apply(obj, args);
        };
      },
    });
  }
}

const never = () => new Promise<never>(() => {});
