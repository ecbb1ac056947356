import { moduleStateName, replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { createTestEngine } from '@converge/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markerChart, observableState } from '../support/recorder.js';

type Action =
  | { kind: 'toggle'; module: 'a' | 'b' }
  | { kind: 'config'; value: number }
  | { kind: 'object'; name: string; present: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'failures'; on: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('toggle' as const), module: fc.constantFrom('a' as const, 'b' as const) }),
  fc.record({ kind: fc.constant('config' as const), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('object' as const),
    name: fc.constantFrom('p1', 'p2', 'p3'),
    present: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('failures' as const), on: fc.boolean() }),
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', labels: { app: 'x' } },
});

async function runScenario(actions: Action[]) {
  const failing = { on: false };
  const maybeFail = () => {
    if (failing.on) throw new Error('injected failure');
    return undefined;
  };
  const moduleDef = (name: 'a' | 'b', order: number) => ({
    name,
    order,
    chart: markerChart(name),
    hooks: [
      {
        name: 'hooks/watch',
        config: {
          configVersion: 'v1',
          beforeDeleteHelm: 1,
          kubernetes: [
            { name: 'pods', apiVersion: 'v1', kind: 'Pod', labelSelector: { matchLabels: { app: 'x' } } },
          ],
        },
        run: maybeFail,
      },
      { name: 'hooks/before', config: { configVersion: 'v1', beforeHelm: 1 }, run: maybeFail },
      {
        name: 'hooks/cleanup',
        config: { configVersion: 'v1', beforeDeleteHelm: 2, afterDeleteHelm: 1 },
        run: maybeFail,
      },
    ],
  });
  const t = await createTestEngine({ modules: [moduleDef('a', 10), moduleDef('b', 20)] });
  const enabled = { a: true, b: true };
  let value = 0;
  const config = () => ({ global: { v: value }, aEnabled: enabled.a, bEnabled: enabled.b });
  await t.start();
  for (const a of actions) {
    switch (a.kind) {
      case 'toggle':
        enabled[a.module] = !enabled[a.module];
        await t.setConfig(config());
        break;
      case 'config':
        value = a.value;
        await t.setConfig(config());
        break;
      case 'object':
        if (a.present) await t.cluster.apply(pod(a.name));
        else await t.cluster.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: a.name });
        break;
      case 'advance':
        await t.advance(a.ms);
        break;
      case 'failures':
        failing.on = a.on;
        break;
    }
  }
  failing.on = false;
  await t.advance(10 * 60_000);
  return { t, enabled };
}

function checkLog(events: readonly ConvergeEvent[]) {
  // Nothing lost: seqs are 1..n without gaps.
  events.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
  });
  // Uninstall only after a successful beforeDeleteHelm sequence of the same attempt.
  events.forEach((e, i) => {
    if (e.type !== 'HelmReleaseUninstalled' || e.purge) return;
    const start = events
      .slice(0, i)
      .findLastIndex((x) => x.type === 'ModuleDeleteStarted' && x.module === e.module);
    expect(start).toBeGreaterThanOrEqual(0);
    const attempt = events.slice(start, i);
    expect(attempt.some((x) => x.type === 'HelmReleaseChecked' && x.exists)).toBe(true);
    for (const hook of ['hooks/watch', 'hooks/cleanup'])
      expect(
        attempt.some(
          (x) =>
            x.type === 'HookSucceeded' &&
            x.module === e.module &&
            x.hook === hook &&
            x.binding === 'beforeDeleteHelm',
        ),
        `${e.module} uninstalled before ${hook} succeeded (seq ${e.seq})`,
      ).toBe(true);
    expect(attempt.some((x) => x.type === 'ModuleFailed' && x.module === e.module)).toBe(false);
  });
  // Every observed kube event reaches its hook unless the module was disabled after it.
  events.forEach((e, i) => {
    if (e.type !== 'KubeEventObserved' || !e.module) return;
    const later = events.slice(i + 1);
    const ran = later.some(
      (x) =>
        x.type === 'HookStarted' && x.module === e.module && x.hook === e.hook && x.binding === 'kubernetes',
    );
    const disabled = later.some(
      (x) => (x.type === 'ModuleDeleteStarted' || x.type === 'ModuleDisabled') && x.module === e.module,
    );
    expect(ran || disabled, `kube event seq ${e.seq} for ${e.module} was lost`).toBe(true);
  });
}

describe('random interleavings (fast-check)', () => {
  it('never lose an event, never uninstall before beforeDeleteHelm succeeded, and always reach a quiet state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const { t, enabled } = await runScenario(actions);
        try {
          checkLog(t.events);
          // Quiet: no task left, no retry pending, and every module where its flag says.
          for (const [name, q] of Object.entries(t.queues())) {
            expect(q.tasks, `queue ${name} still holds ${q.tasks.join(', ')}`).toEqual([]);
          }
          expect(t.state.converge.value).toBe('standBy');
          for (const m of ['a', 'b'] as const) {
            const s = moduleStateName(t.state.modules[m]);
            expect(s, `module ${m}`).toBe(enabled[m] ? 'ready' : 'deleted');
          }
          expect(observableState(replay(t.events))).toEqual(observableState(t.state));
        } finally {
          await t.stop();
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? 100),
        seed: Number(process.env.PROPERTY_SEED ?? 20261123),
      },
    );
  });
});
