import { EventsNotRetainedError, isConvergeError, type NewEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../src/store/index.js';

const at = '2026-01-01T00:00:00.000Z';
const ticks = (n: number) =>
  Array.from(
    { length: n },
    (_, i) =>
      ({ type: 'ModuleEnabled', module: `m${i}`, reason: 'x', at }) as NewEvent & {
        at: string;
      },
  );

describe('MemoryEventStore({ retain })', () => {
  it('keeps the last `retain` events; seqs go on and subscribers hear every event', () => {
    const store = new MemoryEventStore({ retain: 5 });
    const heard: number[] = [];
    store.subscribe((e) => heard.push(e.seq));
    for (let i = 0; i < 7; i++) store.append(ticks(3)); // 21 events, in batches
    expect(store.lastSeq()).toBe(21);
    expect(store.firstSeq()).toBe(17);
    expect(store.read().map((e) => e.seq)).toEqual([17, 18, 19, 20, 21]);
    expect(store.read(19).map((e) => e.seq)).toEqual([19, 20, 21]);
    expect(store.read(22)).toEqual([]);
    expect(heard).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    expect(store.append(ticks(1))[0].seq).toBe(22);
  });

  it('a read from below the retained window throws EventsNotRetainedError naming the first retained seq', () => {
    const store = new MemoryEventStore({ retain: 10 });
    for (let i = 0; i < 30; i++) store.append(ticks(1));
    let caught: unknown;
    try {
      store.read(1);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EventsNotRetainedError);
    expect(isConvergeError(caught)).toBe(true);
    expect(caught).toMatchObject({ fromSeq: 1, firstRetained: 21 });
    expect((caught as Error).message).toContain('keeps the last 10, from seq 21');
  });

  it('without retain every event stays readable from seq 1', () => {
    const store = new MemoryEventStore();
    for (let i = 0; i < 50; i++) store.append(ticks(400));
    expect(store.read(1)).toHaveLength(20_000);
    expect(store.read(0)).toHaveLength(20_000);
    expect(store.firstSeq()).toBe(1);
  });

  it('a snapshot may name any seq of the log, retained or not', () => {
    const store = new MemoryEventStore({ retain: 2 });
    store.append(ticks(5));
    store.saveSnapshot({ seq: 1, state: {} });
    expect(() => store.saveSnapshot({ seq: 6, state: {} })).toThrow(RangeError);
    expect(() => new MemoryEventStore({ retain: 0 })).toThrow(RangeError);
  });
});
