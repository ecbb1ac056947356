import { type EventStore, persistEngineState, replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { MemoryEventStore } from '@converge/runtime';
import { type CodeModule, createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { beforeDeleteWithMarkers } from '../support/marker-bindings.js';
import { markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

/** Module `app` with a chart and delete hooks (the first with a kubernetes binding), and `keeper`. */
function twoModules(calls: string[], cleanup: () => void = () => {}): CodeModule[] {
  return [
    {
      name: 'app',
      order: 10,
      chart: markerChart('app'),
      hooks: [
        {
          name: 'hooks/cleanup',
          config: beforeDeleteWithMarkers,
          run: (input) => {
            const ctx = input.bindingContexts[0] as unknown as {
              snapshots: Record<string, { object: { metadata: { name: string } } }[]>;
            };
            calls.push(
              `beforeDeleteHelm [${ctx.snapshots.markers.map((s) => s.object.metadata.name).join(',')}]`,
            );
            cleanup();
            return undefined;
          },
        },
        {
          name: 'hooks/after-delete',
          config: { configVersion: 'v1', afterDeleteHelm: 10 },
          run: () => {
            calls.push('afterDeleteHelm');
            return undefined;
          },
        },
      ],
    },
    { name: 'keeper', order: 20, chart: markerChart('keeper') },
  ];
}

const types = (events: readonly ConvergeEvent[], module: string) =>
  events
    .filter((e) => 'module' in e && e.module === module)
    .map((e) => e.type)
    .filter((type) =>
      [
        'ModuleDeleteStarted',
        'HelmReleaseChecked',
        'HelmReleaseUninstalled',
        'ModuleDeleted',
        'HelmReleaseUpgraded',
        'HelmUpgradeSkipped',
      ].includes(type),
    );

describe('a restart resumes from the log', () => {
  it('a module the log shows installed and that is disabled at startup is deleted with its hooks and snapshots, not purged (quirk Q1 changed)', async () => {
    const calls: string[] = [];
    t = await createTestEngine({ modules: twoModules(calls) });
    await t.start();
    expect(t.releases().map((r) => r.name)).toEqual(['app', 'keeper']);
    const firstRun = t.events.length;
    // While converge is down, the config disables app.
    t.configSource.set({ appEnabled: false });
    await t.restart();
    const second = t.events.slice(firstRun);
    expect(calls).toEqual(['beforeDeleteHelm [app-marker,keeper-marker]', 'afterDeleteHelm']);
    expect(types(second, 'app')).toEqual([
      'ModuleDeleteStarted',
      'HelmReleaseChecked',
      'HelmReleaseUninstalled',
      'ModuleDeleted',
    ]);
    expect(second.some((e) => e.type === 'HelmReleaseUninstalled' && e.purge)).toBe(false);
    expect(t.releases().map((r) => r.name)).toEqual(['keeper']);
    expect(t.state.modules.keeper.value).toBe('ready');
  });

  it('a delete whose beforeDeleteHelm keeps failing is resumed after a restart: the hook runs again first, nothing is purged until it passes', async () => {
    const calls: string[] = [];
    let failing = true;
    t = await createTestEngine({
      modules: twoModules(calls, () => {
        if (failing) throw new Error('finalizers still present');
      }),
    });
    await t.start();
    await t.setConfig({ appEnabled: false });
    expect(calls).toEqual(['beforeDeleteHelm [app-marker,keeper-marker]']);
    expect(t.state.decisions.pendingDeletes).toEqual(['app']);
    const firstRun = t.events.length;
    await t.restart();
    // The new run resumes the delete at once; it fails again and is retried; the release stays.
    expect(calls).toHaveLength(2);
    expect(t.releases().map((r) => r.name)).toEqual(['app', 'keeper']);
    expect(t.events.slice(firstRun).some((e) => e.type === 'HelmReleaseUninstalled')).toBe(false);
    failing = false;
    await t.advance(60_000);
    expect(calls.slice(-2)).toEqual(['beforeDeleteHelm [app-marker,keeper-marker]', 'afterDeleteHelm']);
    expect(t.releases().map((r) => r.name)).toEqual(['keeper']);
    expect(t.state.decisions.pendingDeletes).toEqual([]);
    expect(t.events.filter((e) => e.type === 'HelmReleaseUninstalled')).toHaveLength(1);
  });

  it('a module enabled again at startup while its delete was pending runs and keeps its release', async () => {
    const calls: string[] = [];
    t = await createTestEngine({
      modules: twoModules(calls, () => {
        throw new Error('finalizers still present');
      }),
    });
    await t.start();
    await t.setConfig({ appEnabled: false });
    t.configSource.set({});
    const firstRun = t.events.length;
    await t.restart();
    expect(t.state.modules.app.value).toBe('ready');
    expect(t.state.decisions.pendingDeletes).toEqual([]);
    // The release is the one the first run installed: helm skips it, unchanged.
    expect(t.releases().find((r) => r.name === 'app')?.revision).toBe(1);
    expect(types(t.events.slice(firstRun), 'app')).toEqual(['HelmUpgradeSkipped']);
    expect(calls).toHaveLength(1);
  });

  it('an engine given a store restores its state from the newest snapshot and the events after it', async () => {
    const inner = new MemoryEventStore();
    const reads: number[] = [];
    const store: EventStore = Object.assign(Object.create(inner), {
      read: (from?: number) => {
        reads.push(from ?? 1);
        return inner.read(from);
      },
    });
    t = await createTestEngine({ modules: twoModules([]), store });
    await t.start();
    await t.setConfig({ keeper: { x: 1 } });
    const seq = Math.floor(inner.lastSeq() / 2);
    inner.saveSnapshot({ seq, state: persistEngineState(replay(inner.read(1).slice(0, seq))) });
    await t.stop();
    reads.length = 0;
    t = await createTestEngine({ modules: twoModules([]), store });
    expect(reads).toEqual([seq + 1]);
    expect(persistEngineState(t.state)).toEqual(persistEngineState(replay(inner.read(1))));
  });
});
