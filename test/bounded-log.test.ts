import { EventsNotRetainedError } from '@converge/protocol';
import { MemoryEventStore } from '@converge/runtime';
import { type CodeModule, createTestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';

// Issue 9, bounded memory: an engine on MemoryEventStore({ retain }) keeps only the tail of its
// log, goes on converging, and a restart on it resumes from the engine's snapshot.

let runs = 0;
const ticking: CodeModule = {
  name: 'ticker',
  hooks: [
    {
      name: 'hooks/tick',
      config: { configVersion: 'v1', schedule: [{ name: 'tick', crontab: '* * * * *' }] },
      run: () => ({ valuesPatch: [{ op: 'add', path: '/ticker/runs', value: ++runs }] }),
    },
  ],
};

/** Advances minute by minute until the log passes `seq`. */
async function runPast(t: Awaited<ReturnType<typeof createTestEngine>>, seq: number) {
  while (t.store.lastSeq() <= seq) await t.advance(60_000);
}

describe('an engine on a bounded memory store', () => {
  it('t.events is the retained tail; the engine goes on, and a restart resumes from the snapshot', async () => {
    const store = new MemoryEventStore({ retain: 10_000 });
    const t = await createTestEngine({ modules: [ticking], store });
    await t.start();
    await runPast(t, 10_500);
    expect(t.events).toHaveLength(10_000);
    expect(t.events[0].seq).toBe(store.lastSeq() - 9_999);
    expect(() => store.read(1)).toThrow(EventsNotRetainedError);
    await t.restart();
    const before = store.lastSeq();
    await t.advance(60_000);
    expect(t.events.filter((e) => e.seq > before && e.type === 'HookSucceeded')).toMatchObject([
      { hook: 'hooks/tick', binding: 'schedule' },
    ]);
    expect(t.state.startup.value).toBe('ready');
    await t.stop();
  });

  it('a window shorter than the snapshot interval cannot be resumed: the restart says which seqs are gone', async () => {
    const store = new MemoryEventStore({ retain: 200 });
    const t = await createTestEngine({ modules: [ticking], store });
    await t.start();
    await runPast(t, 10_300);
    await expect(t.restart()).rejects.toThrow(/events from seq 10001 are no longer retained/);
    await t.stop();
  });
});
