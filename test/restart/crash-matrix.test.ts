import { replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { type CodeModule, createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { beforeDeleteWithMarkers } from '../support/marker-bindings.js';
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
  /** Kill the engine while this hook runs, on its n-th call (1-based), before it returns. */
  crashInside?: { hook: string; call: number };
  crash?: () => void;
  calls: Record<string, number>;
}

const newWorld = (crashInside?: World['crashInside']): World => ({
  journal: [],
  bdhCalls: 0,
  calls: {},
  ...(crashInside ? { crashInside } : {}),
});

/** Counts the hook's call and kills the engine inside it when the world says so. */
function enter(world: World, hook: string): void {
  const n = (world.calls[hook] ?? 0) + 1;
  world.calls[hook] = n;
  if (world.crashInside?.hook === hook && world.crashInside.call === n) world.crash?.();
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
          // The first run changes the module's values: the run repeats (addon-operator pkg/task/tasks/module-run/task.go).
          run: () => {
            enter(world, 'after-helm');
            return ++afterHelmRuns === 1
              ? { valuesPatch: [{ op: 'add', path: '/app/seen', value: true }] }
              : {};
          },
        },
        {
          name: 'hooks/cleanup',
          config: beforeDeleteWithMarkers,
          run: (input) => {
            enter(world, 'cleanup');
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
            enter(world, 'after-delete');
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
  world.crash = () => void t.crashAt(t.store.lastSeq());
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
    const world = newWorld();
    const t = await engineFor(world);
    await scenario(t);
    expect(world.journal).toEqual(['bdh-fail', 'bdh-ok:2', 'uninstall', 'adh-ok']);
    expect(t.releases().map((r) => r.name)).toEqual(['keeper']);
    expect(t.events.filter((e) => e.type === 'ModuleRunStarted' && e.module === 'app')).toHaveLength(2);
    await t.stop();
  });

  it('killed after every event of the run, restarted on the same log: no uninstall past beforeDeleteHelm, afterDeleteHelm after every uninstall, every enabled module ready, the log replays strictly', async () => {
    const clean = newWorld();
    const reference = await engineFor(clean);
    await scenario(reference);
    const total = reference.events.length;
    await reference.stop();
    expect(total).toBeGreaterThan(40);

    const failures: string[] = [];
    for (let seq = 1; seq <= total; seq++) {
      const problem = await crashAndRestart(newWorld(), (t) => t.crashAt(seq));
      if (problem) failures.push(`crash after seq ${seq} (${reference.events[seq - 1]?.type}): ${problem}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('killed inside every call of every hook, restarted on the same log: the same invariants hold', async () => {
    const clean = newWorld();
    const reference = await engineFor(clean);
    await scenario(reference);
    await reference.stop();
    const points = Object.entries(clean.calls).flatMap(([hook, calls]) =>
      Array.from({ length: calls }, (_, i) => ({ hook, call: i + 1 })),
    );
    expect(points.length).toBeGreaterThanOrEqual(5);
    const failures: string[] = [];
    for (const inside of points) {
      const world = newWorld(inside);
      const problem = await crashAndRestart(world, () => new Promise(() => {}));
      if (problem) failures.push(`crash inside ${inside.hook} call ${inside.call}: ${problem}`);
      expect(world.calls[inside.hook]).toBeGreaterThanOrEqual(inside.call);
    }
    expect(failures).toEqual([]);
  });
});

/** Runs the scenario until the engine dies, restarts it, lets it reach quiet, and checks the invariants. */
async function crashAndRestart(
  world: World,
  death: (t: TestEngine) => Promise<unknown>,
): Promise<string | undefined> {
  const t = await engineFor(world);
  const died = new Promise<void>((resolve) => {
    const crash = world.crash;
    world.crash = () => {
      crash?.();
      resolve();
    };
  });
  const dead = death(t);
  await Promise.race([scenario(t), dead, died]);
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
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await t.stop();
  }
}
