import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { moduleStateName, replay } from '@converge/core';
import { type ConvergeEvent, convergeEventSchema } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { observableState } from '../support/recorder.js';
import { goldenAction } from './golden-files.js';
import { goldenScenarios } from './scenarios.js';

const dir = import.meta.dirname;

/** A readable summary of a folded state, kept beside each golden log. */
function summary(events: ConvergeEvent[]) {
  const s = replay(events);
  return {
    seq: s.seq,
    startup: s.startup.value,
    converge: s.converge.value,
    convergesCompleted: s.converge.context.completed,
    enabled: s.enabled,
    modules: Object.fromEntries(Object.entries(s.modules).map(([m, snap]) => [m, moduleStateName(snap)])),
    configValues: s.configValues,
    valuesPatches: s.valuesPatches,
    errors: s.errors,
  };
}

describe('golden logs', () => {
  for (const [name, run] of Object.entries(goldenScenarios)) {
    const logFile = join(dir, `${name}.jsonl`);
    const stateFile = join(dir, `${name}.state.json`);

    it(`replays ${name}.jsonl to its recorded state without any executor`, async () => {
      if (goldenAction([logFile, stateFile]) === 'record') {
        const t = await run();
        writeFileSync(logFile, `${t.events.map((e) => JSON.stringify(e)).join('\n')}\n`);
        writeFileSync(stateFile, `${JSON.stringify(summary([...t.events]), null, 2)}\n`);
        await t.stop();
      }
      const events = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l, i) => {
          const parsed = convergeEventSchema.safeParse(JSON.parse(l));
          if (!parsed.success) throw new Error(`${name}.jsonl line ${i + 1}: ${parsed.error.message}`);
          return parsed.data as ConvergeEvent;
        });
      expect(summary(events)).toEqual(JSON.parse(readFileSync(stateFile, 'utf8')));
    });

    it(`a fresh run of ${name} records the same log as the golden one`, async () => {
      const t = await run();
      const fresh = t.events.map((e) => JSON.parse(JSON.stringify(e)));
      const golden = readFileSync(logFile, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
      expect(fresh).toEqual(golden);
      expect(observableState(replay(t.events))).toEqual(observableState(t.state));
      await t.stop();
    });
  }
});
