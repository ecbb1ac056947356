import { replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { type CodeModule, createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { markerChart } from '../support/recorder.js';

/**
 * The crash matrix of a converge that installs, re-runs afterHelm, and disables a module whose
 * beforeDeleteHelm hook fails once: the engine is killed right after every event of a clean run
 * (`crashAt`, a simulated kill -9) and restarted on the same log, cluster and releases.
 */

interface World {
  /** Effects in the order they happened, across every engine of the test. */
  journal: string[];
  bdhCalls: number;
}

function modules(world: World): CodeModule[] {
  let afterHelmRuns = 0;
  return [
    {
      name: 'app',
      order: 10,
      chart: markerChart('app'),
      hooks: [
        {
          name: 'hooks/after-helm',
          config: { configVersion: 'v1', afterHelm: 10 },
          // The first run changes the module's values: the run repeats (AO §7.2).
          run: () =>
            ++afterHelmRuns === 1 ? { valuesPatch: [{ op: 'add', path: '/app/seen', value: true }] } : {},
        },
        {
          name: 'hooks/cleanup',
          config: {
            configVersion: 'v1',
            beforeDeleteHelm: 10,
            kubernetes: [
              {
                name: 'markers',
                apiVersion: 'v1',
                kind: 'ConfigMap',
                executeHookOnEvent: [],
                executeHookOnSynchronization: false,
              },
            ],
          },
          run: (input) => {
            const seen = (input.bindingContexts[0] as { snapshots?: Record<string, unknown[]> }).snapshots
              ?.markers;
            if (++world.bdhCalls === 1) {
              world.journal.push('bdh-fail');
              throw new Error('finalizers still present');
            }
            world.journal.push(`bdh-ok:${seen?.length ?? 'no-snapshot'}`);
            return undefined;
          },
        },
        {
          name: 'hooks/after-delete',
          config: { configVersion: 'v1', afterDeleteHelm: 10 },
          run: () => {
            world.journal.push('adh-ok');
            return undefined;
          },
        },
      ],
    },
    { name: 'keeper', order: 20, chart: markerChart('keeper') },
  ];
}

async function engineFor(world: World): Promise<TestEngine> {
  const t = await createTestEngine({ modules: modules(world) });
  const uninstall = t.releaseStore.uninstall.bind(t.releaseStore);
  t.releaseStore.uninstall = async (name: string) => {
    if (name === 'app') world.journal.push('uninstall');
    return uninstall(name);
  };
  return t;
}

/** The scenario: start, disable app (its beforeDeleteHelm fails once), let the retry pass. */
async function scenario(t: TestEngine): Promise<void> {
  await t.start();
  await t.setConfig({ appEnabled: false });
  await t.advance(60_000);
}

/** Every uninstall follows a successful beforeDeleteHelm that no other uninstall used, and is followed by afterDeleteHelm. */
function checkJournal(journal: string[]): void {
  let fresh = false;
  let owed = false;
  for (const e of journal) {
    // beforeDeleteHelm sees its kubernetes snapshot (both charts' ConfigMaps), after a restart too.
    if (e.startsWith('bdh-ok')) expect(e, journal.join(' ')).toBe('bdh-ok:2');
    if (e.startsWith('bdh-ok')) fresh = true;
    if (e === 'uninstall') {
      expect(fresh, `uninstall without a successful beforeDeleteHelm: ${journal.join(' ')}`).toBe(true);
      fresh = false;
      owed = true;
    }
    if (e === 'adh-ok') owed = false;
  }
  expect(owed, `afterDeleteHelm did not run after the uninstall: ${journal.join(' ')}`).toBe(false);
}

const strictReplay = (events: readonly ConvergeEvent[]) => replay(events, undefined, { strict: true });

describe('restart resumes from the log (crash matrix)', () => {
  it('a clean run: install, afterHelm re-run, a delete that fails once then passes', async () => {
    const world: World = { journal: [], bdhCalls: 0 };
    const t = await engineFor(world);
    await scenario(t);
    expect(world.journal).toEqual(['bdh-fail', 'bdh-ok:2', 'uninstall', 'adh-ok']);
    expect(t.releases().map((r) => r.name)).toEqual(['keeper']);
    expect(t.events.filter((e) => e.type === 'ModuleRunStarted' && e.module === 'app')).toHaveLength(2);
    await t.stop();
  });

  it('killed after every event of the run, restarted on the same log: no uninstall past beforeDeleteHelm, afterDeleteHelm after every uninstall, every enabled module ready, the log replays strictly', async () => {
    const clean: World = { journal: [], bdhCalls: 0 };
    const reference = await engineFor(clean);
    await scenario(reference);
    const total = reference.events.length;
    await reference.stop();
    expect(total).toBeGreaterThan(40);

    const failures: string[] = [];
    for (let seq = 1; seq <= total; seq++) {
      const world: World = { journal: [], bdhCalls: 0 };
      const t = await engineFor(world);
      const crashed = t.crashAt(seq);
      await Promise.race([scenario(t), crashed]);
      await t.restart();
      // The outside world goes on as before: the config that disables app, and time for retries.
      await t.setConfig({ appEnabled: false });
      await t.advance(60_000);
      try {
        checkJournal(world.journal);
        expect(t.releases().map((r) => r.name)).toEqual(['keeper']);
        expect(t.state.enabled).toEqual(['keeper']);
        expect(t.state.modules.keeper?.value).toBe('ready');
        expect(t.state.decisions.pendingDeletes).toEqual([]);
        expect(() => strictReplay(t.events)).not.toThrow();
      } catch (e) {
        failures.push(`crash after seq ${seq} (${reference.events[seq - 1]?.type}): ${(e as Error).message}`);
      }
      await t.stop();
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
