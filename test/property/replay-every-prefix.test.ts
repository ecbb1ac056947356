import {
  type EngineState,
  nextConvergeStep,
  nextModuleStep,
  persistEngineState,
  replay,
  restoreEngineState,
} from '@converge/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { action, runScenario } from '../support/interleaving-scenario.js';

/** What the engine would do next, as a restarted engine or a replay reads it off the state. */
function nextSteps(state: EngineState) {
  return {
    converge: nextConvergeStep(state.converge),
    modules: Object.fromEntries(Object.entries(state.modules).map(([m, s]) => [m, nextModuleStep(s)])),
    decisions: state.decisions,
    enabled: state.enabled,
  };
}

describe('the log is the whole truth (model-based, fast-check)', () => {
  it('at every seq of generated logs, replay(log up to seq) and a snapshot restored there plus the tail give the live state and the same next step', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 10 }), async (actions) => {
        const live: ReturnType<typeof persistEngineState>[] = [];
        const { t } = await runScenario(actions, (t) =>
          t.engine.events$.subscribe(() => live.push(persistEngineState(t.state))),
        );
        try {
          const events = t.events;
          expect(live).toHaveLength(events.length);
          const final = persistEngineState(t.state);
          for (let k = 0; k < events.length; k++) {
            const at = replay(events.slice(0, k + 1));
            expect(persistEngineState(at), `state after seq ${k + 1}`).toEqual(live[k]);
            expect(nextSteps(at)).toEqual(nextSteps(restoreEngineState(live[k])));
            // A snapshot taken here, restored, plus the rest of the log: the final state.
            if (k % 7 === 0) {
              const resumed = replay(events.slice(k + 1), { seq: k + 1, state: restoreEngineState(live[k]) });
              expect(persistEngineState(resumed), `restored at seq ${k + 1}`).toEqual(final);
            }
          }
        } finally {
          await t.stop();
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? 25),
        seed: Number(process.env.PROPERTY_SEED ?? 20261205),
      },
    );
  }, 120_000);
});
