import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { persistEngineState, replay, restoreEngineState } from '@converge/core';
import { type ConvergeEvent, ReplayDivergenceError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { observableState } from './support/recorder.js';

const golden = (name: string): ConvergeEvent[] =>
  readFileSync(join(import.meta.dirname, 'golden', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('replay', () => {
  it('a snapshot (persisted as JSON) plus the tail gives the same state as the whole log', () => {
    const events = golden('before-delete-retry');
    const full = replay(events);
    for (const cut of [1, 10, 20, events.length - 1]) {
      const head = replay(events.slice(0, cut));
      const persisted = JSON.parse(JSON.stringify(persistEngineState(head)));
      const resumed = replay(events, { seq: head.seq, state: restoreEngineState(persisted) });
      expect(observableState(resumed), `cut at ${cut}`).toEqual(observableState(full));
    }
  });

  it('strict replay reports a gap in seqs as ReplayDivergenceError with the seq', () => {
    const events = golden('parallel-groups');
    const broken = [...events.slice(0, 10), ...events.slice(11)];
    expect(() => replay(broken, undefined, { strict: true })).toThrow(ReplayDivergenceError);
    try {
      replay(broken, undefined, { strict: true });
    } catch (e) {
      expect((e as ReplayDivergenceError).seq).toBe(12);
    }
    expect(() => replay(events, undefined, { strict: true })).not.toThrow();
  });

  it('strict replay reports a lifecycle hook success the statechart did not expect', () => {
    const events = golden('before-delete-retry');
    const i = events.findIndex((e) => e.type === 'HookSucceeded' && e.binding === 'beforeDeleteHelm');
    const tampered = events.map((e, k) => (k === i ? { ...e, hook: 'hooks/other' } : e)) as ConvergeEvent[];
    expect(() => replay(tampered, undefined, { strict: true })).toThrow(
      /expected beforeDeleteHelm hook hooks\/bd/,
    );
  });
});
