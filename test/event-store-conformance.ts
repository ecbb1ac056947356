import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type EventStore,
  type PersistedEngineState,
  persistEngineState,
  replay,
  restoreEngineState,
} from '@converge/core';
import { type ConvergeEvent, convergeEventSchema, eventVersions, type NewEvent } from '@converge/protocol';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The EventStore port's contract as a reusable vitest suite: every store (in-memory, sqlite, and
 * any later one) registers it with a factory and must pass all of it.
 */

/**
 * One store under test. Durable stores also give `reopen`, which opens the same storage again as
 * its writer once `store` is closed, and `reader`, which opens it read-only beside the writer.
 */
export interface StoreUnderTest {
  store: EventStore;
  reopen?: () => EventStore | Promise<EventStore>;
  reader?: () => EventStore | Promise<EventStore>;
}

export interface ConformanceOptions {
  /** Adds the tests that reopen the storage and expect everything to be there. */
  durable?: boolean;
}

type Input = NewEvent & { at: string };

const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();

/** A varied event for position i: flat payloads, nested arrays and objects, unicode, optional fields. */
export function sampleEvent(i: number): Input {
  switch (i % 4) {
    case 0:
      return { type: 'ModuleReady', module: `module-${i}`, at: at(i) };
    case 1:
      return {
        type: 'HookFailed',
        module: 'crashy',
        hook: 'hooks/boom.sh',
        binding: 'beforeHelm',
        bindingNames: ['beforeHelm'],
        attempt: i,
        error: `exit status 3: boom ✗ "quoted" \n line ${i}`,
        at: at(i),
      };
    case 2:
      return {
        type: 'ValuesChanged',
        scope: 'global',
        patch: [{ op: 'add', path: `/a/${i}`, value: { nested: [1, 'two', { three: null }] } }],
        at: at(i),
      };
    default:
      return {
        type: 'RetryScheduled',
        queue: 'main',
        task: 'ModuleRun',
        attempt: 2,
        delayMs: 5000,
        at: at(i),
      };
  }
}

const goldenDir = join(import.meta.dirname, 'golden');

/** The recorded engine logs in test/golden, as the inputs that produced them. */
function goldenLogs(): { name: string; events: ConvergeEvent[] }[] {
  return readdirSync(goldenDir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()
    .map((f) => ({
      name: f,
      events: readFileSync(join(goldenDir, f), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => convergeEventSchema.parse(JSON.parse(line)) as ConvergeEvent),
    }));
}

const asInput = ({ seq: _seq, ...rest }: ConvergeEvent): Input => rest as Input;

const samples = (from: number, count: number): Input[] =>
  Array.from({ length: count }, (_, k) => sampleEvent(from + k));

/** What a stored event must look like: the input, plus seq and the default v. */
const expected = (input: Input, seq: number): ConvergeEvent =>
  ({ ...input, seq, v: input.v ?? eventVersions[input.type] }) as ConvergeEvent;

export function eventStoreConformance(
  name: string,
  factory: () => StoreUnderTest | Promise<StoreUnderTest>,
  options: ConformanceOptions = {},
): void {
  describe(`EventStore conformance: ${name}`, () => {
    const opened: EventStore[] = [];
    const open = async (): Promise<StoreUnderTest> => {
      const t = await factory();
      opened.push(t.store);
      const tracked = (fn: (() => EventStore | Promise<EventStore>) | undefined) =>
        fn &&
        (async () => {
          const s = await fn();
          opened.push(s);
          return s;
        });
      return { store: t.store, reopen: tracked(t.reopen), reader: tracked(t.reader) };
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });

    it('an empty store has lastSeq 0, no events and no snapshot', async () => {
      const { store } = await open();
      expect(store.lastSeq()).toBe(0);
      expect(store.read()).toEqual([]);
      expect(store.read(1)).toEqual([]);
      expect(store.loadSnapshot()).toBeUndefined();
    });

    it('append assigns seqs 1..n in order and returns the stored events', async () => {
      const { store } = await open();
      const inputs = samples(0, 5);
      const returned = inputs.map((e) => store.append([e])[0]);
      expect(returned.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(returned).toEqual(inputs.map((e, k) => expected(e, k + 1)));
      expect(store.lastSeq()).toBe(5);
      expect(store.read()).toEqual(returned);
    });

    it("append keeps every payload field and defaults v to the type's current version", async () => {
      const { store } = await open();
      const [hookFailed] = store.append([sampleEvent(1)]);
      expect(hookFailed).toMatchObject({ type: 'HookFailed', v: eventVersions.HookFailed, seq: 1 });
      const [explicit] = store.append([{ ...sampleEvent(4), v: 1 }]);
      expect(explicit.v).toBe(1);
      const [stored1, stored2] = store.read();
      expect(stored1).toEqual(expected(sampleEvent(1), 1));
      expect(stored2).toEqual(expected(sampleEvent(4), 2));
      expect('synchronization' in stored1).toBe(false);
    });

    it('a batch append assigns consecutive seqs and the next batch continues after it', async () => {
      const { store } = await open();
      const first = store.append(samples(0, 3));
      expect(first.map((e) => e.seq)).toEqual([1, 2, 3]);
      const second = store.append(samples(3, 4));
      expect(second.map((e) => e.seq)).toEqual([4, 5, 6, 7]);
      expect(store.lastSeq()).toBe(7);
      expect(store.read()).toEqual(samples(0, 7).map((e, k) => expected(e, k + 1)));
    });

    it('an empty batch stores nothing and returns nothing', async () => {
      const { store } = await open();
      store.append(samples(0, 2));
      expect(store.append([])).toEqual([]);
      expect(store.lastSeq()).toBe(2);
      expect(store.append(samples(2, 1))[0].seq).toBe(3);
    });

    it('read(fromSeq) returns the events from that seq on; read() and read(0) return all', async () => {
      const { store } = await open();
      const all = store.append(samples(0, 6));
      expect(store.read(3)).toEqual(all.slice(2));
      expect(store.read(6)).toEqual(all.slice(5));
      expect(store.read()).toEqual(all);
      expect(store.read(0)).toEqual(all);
    });

    it('read past the end returns nothing', async () => {
      const { store } = await open();
      store.append(samples(0, 3));
      expect(store.read(4)).toEqual([]);
      expect(store.read(100)).toEqual([]);
    });

    it('subscribers see later appends in order, synchronously, with the event already readable', async () => {
      const { store } = await open();
      store.append(samples(0, 2));
      const seen: number[] = [];
      const readable: boolean[] = [];
      store.subscribe((e) => {
        seen.push(e.seq);
        readable.push(store.read(e.seq)[0]?.seq === e.seq);
      });
      store.append(samples(2, 3));
      expect(seen).toEqual([3, 4, 5]);
      store.append(samples(5, 1));
      expect(seen).toEqual([3, 4, 5, 6]);
      expect(readable).toEqual([true, true, true, true]);
    });

    it('two subscribers each see every event, in subscription order', async () => {
      const { store } = await open();
      const calls: string[] = [];
      store.subscribe((e) => calls.push(`a${e.seq}`));
      store.subscribe((e) => calls.push(`b${e.seq}`));
      store.append(samples(0, 2));
      expect(calls).toEqual(['a1', 'b1', 'a2', 'b2']);
    });

    it('unsubscribe stops further calls, even in the middle of a batch', async () => {
      const { store } = await open();
      const seen: number[] = [];
      const unsubscribe = store.subscribe((e) => {
        seen.push(e.seq);
        if (e.seq === 2) unsubscribe();
      });
      store.append(samples(0, 4));
      expect(seen).toEqual([1, 2]);
      store.append(samples(4, 1));
      expect(seen).toEqual([1, 2]);
      const other: number[] = [];
      const off = store.subscribe((e) => other.push(e.seq));
      off();
      store.append(samples(5, 1));
      expect(other).toEqual([]);
    });

    it('a subscriber that throws breaks neither the append nor the other subscribers', async () => {
      const { store } = await open();
      const seen: number[] = [];
      store.subscribe(() => {
        throw new Error('listener bug');
      });
      store.subscribe((e) => seen.push(e.seq));
      const stored = store.append(samples(0, 3));
      expect(stored.map((e) => e.seq)).toEqual([1, 2, 3]);
      expect(seen).toEqual([1, 2, 3]);
      expect(store.lastSeq()).toBe(3);
      expect(store.read().length).toBe(3);
    });

    it('saveSnapshot/loadSnapshot give back the newest snapshot, as a copy', async () => {
      const { store } = await open();
      store.append(samples(0, 5));
      const state = { modules: { a: 'ready' }, list: [1, 2, 3], seq: 3 };
      store.saveSnapshot({ seq: 3, state });
      state.modules.a = 'mutated after save';
      expect(store.loadSnapshot()).toEqual({
        seq: 3,
        state: { modules: { a: 'ready' }, list: [1, 2, 3], seq: 3 },
      });
      store.saveSnapshot({ seq: 5, state: { modules: { a: 'deleted' } } });
      expect(store.loadSnapshot()).toEqual({ seq: 5, state: { modules: { a: 'deleted' } } });
      const loaded = store.loadSnapshot() as { state: { modules: { a: string } } };
      loaded.state.modules.a = 'mutated after load';
      expect(store.loadSnapshot()).toEqual({ seq: 5, state: { modules: { a: 'deleted' } } });
    });

    it('a snapshot plus the tail read from its seq + 1 gives the whole log', async () => {
      const { store } = await open();
      const head = store.append(samples(0, 4));
      store.saveSnapshot({ seq: 4, state: { folded: head.map((e) => e.seq) } });
      const tail = store.append(samples(4, 3));
      const snap = store.loadSnapshot()!;
      const rest = store.read(snap.seq + 1);
      expect(rest).toEqual(tail);
      expect([...(snap.state as { folded: number[] }).folded, ...rest.map((e) => e.seq)]).toEqual([
        1, 2, 3, 4, 5, 6, 7,
      ]);
    });

    for (const { name: log, events } of goldenLogs()) {
      it(`an engine snapshot plus the tail replays to the same state as the whole log (${log})`, async () => {
        const t = await open();
        // Appended in uneven batches, as an engine's handlers append them.
        for (let i = 0; i < events.length; i += 5) t.store.append(events.slice(i, i + 5).map(asInput));
        expect(t.store.read()).toEqual(events);
        const whole = persistEngineState(replay(events));
        for (const cut of [1, Math.floor(events.length / 2), events.length - 1]) {
          const state = persistEngineState(replay(t.store.read().slice(0, cut)));
          t.store.saveSnapshot({ seq: cut, state });
          let store = t.store;
          if (options.durable) {
            await t.store.flush();
            store = await t.reader!();
          }
          const snap = store.loadSnapshot()!;
          expect(snap.seq).toBe(cut);
          const tail = store.read(snap.seq + 1);
          expect(tail.map((e) => e.seq)).toEqual(events.slice(cut).map((e) => e.seq));
          const restored = restoreEngineState(snap.state as PersistedEngineState);
          expect(persistEngineState(replay(tail, { seq: snap.seq, state: restored }))).toEqual(whole);
        }
      });
    }

    it('records: put replaces, get returns a copy (undefined when missing), delete removes', async () => {
      const { store } = await open();
      const records = store.records!;
      expect(records).toBeDefined();
      expect(records.get('missing')).toBeUndefined();
      const value = { spec: { replicas: 2 }, list: ['a', null, 3], unicode: 'ünï ✓ "q"' };
      records.put('obj', value);
      value.spec.replicas = 9;
      const got = records.get('obj') as typeof value;
      expect(got).toEqual({ spec: { replicas: 2 }, list: ['a', null, 3], unicode: 'ünï ✓ "q"' });
      got.spec.replicas = 7;
      expect((records.get('obj') as typeof value).spec.replicas).toBe(2);
      records.put('obj', 'replaced');
      expect(records.get('obj')).toBe('replaced');
      records.delete('obj');
      expect(records.get('obj')).toBeUndefined();
      records.delete('never-there');
      expect(store.read()).toEqual([]);
    });

    it('records: keys(prefix) lists the keys that start with it, sorted; keys() lists all', async () => {
      const { store } = await open();
      const records = store.records!;
      for (const k of ['b/2', 'a/1', 'b/1', 'b_/x', 'b%', 'c', 'b/10']) records.put(k, k);
      expect(records.keys()).toEqual(['a/1', 'b%', 'b/1', 'b/10', 'b/2', 'b_/x', 'c']);
      expect(records.keys('b/')).toEqual(['b/1', 'b/10', 'b/2']);
      expect(records.keys('b')).toEqual(['b%', 'b/1', 'b/10', 'b/2', 'b_/x']);
      expect(records.keys('b_')).toEqual(['b_/x']);
      expect(records.keys('zz')).toEqual([]);
    });

    it('a snapshot at a seq beyond the log is rejected', async () => {
      const { store } = await open();
      store.append(samples(0, 2));
      expect(() => store.saveSnapshot({ seq: 3, state: {} })).toThrow(RangeError);
      expect(store.loadSnapshot()).toBeUndefined();
    });

    it('flush resolves and everything appended stays readable', async () => {
      const { store } = await open();
      const all = store.append(samples(0, 3));
      await expect(store.flush()).resolves.toBeUndefined();
      expect(store.read()).toEqual(all);
      expect(store.append(samples(3, 1))[0].seq).toBe(4);
    });

    it('close resolves and closing twice is fine', async () => {
      const { store } = await open();
      store.append(samples(0, 1));
      await expect(store.close()).resolves.toBeUndefined();
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('10 000 events round-trip through batches of mixed sizes', async () => {
      const t = await open();
      const inputs = samples(0, 10_000);
      const sizes = [1, 7, 100, 1000];
      for (let i = 0, k = 0; i < inputs.length; k++) {
        const batch = inputs.slice(i, i + sizes[k % sizes.length]);
        expect(t.store.append(batch)[0].seq).toBe(i + 1);
        i += batch.length;
      }
      const want = inputs.map((e, k) => expected(e, k + 1));
      expect(t.store.lastSeq()).toBe(10_000);
      expect(t.store.read()).toEqual(want);
      expect(t.store.read(9_991).map((e) => e.seq)).toEqual([
        9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999, 10000,
      ]);
      if (options.durable) {
        await t.store.close();
        const again = await t.reopen!();
        expect(again.lastSeq()).toBe(10_000);
        expect(again.read()).toEqual(want);
      }
    });

    if (options.durable) {
      it('reopening keeps events, lastSeq and the snapshot, and appends continue the seqs', async () => {
        const t = await open();
        expect(t.reopen).toBeDefined();
        const before = t.store.append(samples(0, 5));
        t.store.saveSnapshot({ seq: 4, state: { kept: true } });
        await t.store.flush();
        await t.store.close();
        const again = await t.reopen!();
        expect(again.lastSeq()).toBe(5);
        expect(again.read()).toEqual(before);
        expect(again.loadSnapshot()).toEqual({ seq: 4, state: { kept: true } });
        expect(again.append(samples(5, 2)).map((e) => e.seq)).toEqual([6, 7]);
        await again.close();
        const third = await t.reopen!();
        expect(third.read().map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
      });

      it('a reader opened beside the writer sees what it appended and later appends, and cannot append', async () => {
        const t = await open();
        const before = t.store.append(samples(0, 3));
        t.store.records?.put('k', { a: 1 });
        const reader = await t.reader!();
        expect(reader.read()).toEqual(before);
        expect(reader.records?.get('k')).toEqual({ a: 1 });
        expect(() => reader.append(samples(3, 1))).toThrow(/read-only/);
        expect(() => reader.saveSnapshot({ seq: 1, state: {} })).toThrow(/read-only/);
        const later = t.store.append(samples(3, 2));
        expect(reader.lastSeq()).toBe(5);
        expect(reader.read(4)).toEqual(later);
      });

      it('records survive a reopen, and a put is durable once flush resolves', async () => {
        const t = await open();
        const records = t.store.records!;
        records.put('cluster/v1/ConfigMap/default/a', { data: { x: '1' } });
        records.put('cluster/v1/ConfigMap/default/b', { data: { x: '2' } });
        records.put('releases/a', { revision: 3 });
        records.delete('cluster/v1/ConfigMap/default/b');
        t.store.append(samples(0, 1));
        await t.store.flush();
        await t.store.close();
        const again = await t.reopen!();
        expect(again.records!.keys()).toEqual(['cluster/v1/ConfigMap/default/a', 'releases/a']);
        expect(again.records!.get('releases/a')).toEqual({ revision: 3 });
        expect(again.read().length).toBe(1);
      });
    }
  });
}
