import { persistEngineState, replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { MemoryEventStore } from '@converge/runtime';
import { PastStateError, PastStates } from '@converge/server';
import { createTestEngine } from '@converge/testing';
import { buildStateTable, stateAt } from '@converge/viz';
import { beforeAll, describe, expect, it } from 'vitest';

/** The inspector's time travel on stores with snapshots and on bounded stores. */
describe('time travel (PastStates) over snapshots and retained tails', () => {
  let events: ConvergeEvent[];

  beforeAll(async () => {
    let attempts = 0;
    const t = await createTestEngine({
      modules: [
        {
          name: 'alpha',
          hooks: [
            {
              name: 'hooks/flaky.sh',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: () => {
                if (++attempts === 1) throw new Error('not yet');
                return undefined;
              },
            },
          ],
        },
        { name: 'beta' },
      ],
    });
    await t.start();
    await t.advance(5_000);
    await t.setConfig({ betaEnabled: false });
    events = [...t.events];
    await t.stop();
  });

  const storeOf = (list: readonly ConvergeEvent[], retain?: number) => {
    const store = new MemoryEventStore(retain === undefined ? {} : { retain });
    store.append(list.map(({ seq: _seq, ...e }) => e) as Parameters<MemoryEventStore['append']>[0]);
    return store;
  };

  it('after a snapshot, folds from it, and before it from the start: the timeline state either way', async () => {
    const store = storeOf(events);
    const k = Math.floor(events.length / 2);
    store.saveSnapshot({ seq: k, state: persistEngineState(replay(events.slice(0, k))) });
    const table = buildStateTable(events);
    // Folded a few events per turn of the event loop, as a long log is.
    const past = new PastStates(store, 3);
    for (const e of events)
      await expect(past.at(e.seq)).resolves.toEqual({ state: stateAt(table, e.seq), event: e });
  });

  it('a bounded store answers 410 for what it no longer keeps, naming the oldest state it can show', async () => {
    const retain = 10;
    const store = storeOf(events, retain);
    const last = events.at(-1)!.seq;
    const past = new PastStates(store);
    const gone = await past.at(last).catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(PastStateError);
    expect((gone as PastStateError).status).toBe(410);
    const k = last - retain + 1;
    store.saveSnapshot({ seq: k, state: persistEngineState(replay(events.slice(0, k))) });
    expect((await past.at(last)).state).toEqual(stateAt(buildStateTable(events), last));
    await expect(past.at(k)).rejects.toThrow(
      `seq ${k} is no longer retained by the store (the oldest state it can show is after seq ${k + 1})`,
    );
    await expect(past.at(last + 1)).rejects.toThrow(`seq ${last + 1} is not in the log`);
  });
});
