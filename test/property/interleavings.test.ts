import { moduleStateName, replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { action, type ExecutorCall, runScenario } from '../support/interleaving-scenario.js';
import { observableState } from '../support/recorder.js';

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

/** The same promises seen from the executors' side: what the hook runner and Helm were asked to do. */
function checkExecutorCalls(calls: readonly ExecutorCall[]) {
  calls.forEach((c, i) => {
    // No beforeDeleteHelm without a release: the hook runs only while Helm holds the module's release.
    if (c.kind === 'hook' && c.binding === 'beforeDeleteHelm')
      expect(
        c.releaseExisted,
        `${c.module} ${c.hook} beforeDeleteHelm ran without a release (call ${i})`,
      ).toBe(true);
    // afterDeleteHelm after every uninstall: once Helm removed a release, the module's afterDeleteHelm
    // hook runs to success before Helm installs it again (or the run ends).
    if (c.kind === 'release' && c.op === 'uninstall' && c.ok) {
      const rest = calls.slice(i + 1);
      const reinstall = rest.findIndex(
        (x) => x.kind === 'release' && x.op === 'upgrade' && x.module === c.module,
      );
      const before = reinstall < 0 ? rest : rest.slice(0, reinstall);
      expect(
        before.some(
          (x) => x.kind === 'hook' && x.module === c.module && x.binding === 'afterDeleteHelm' && x.ok,
        ),
        `no afterDeleteHelm of ${c.module} after its uninstall (call ${i}): ${rest.map(describeCall).join(', ')}`,
      ).toBe(true);
    }
  });
}

const describeCall = (c: ExecutorCall) =>
  c.kind === 'hook'
    ? `${c.module}/${c.hook}:${c.binding}${c.ok ? '' : ' failed'}`
    : `helm ${c.op} ${c.module}${c.ok ? '' : ' failed'}`;

describe('random interleavings (fast-check)', () => {
  it('never lose an event, never uninstall before beforeDeleteHelm succeeded, never run beforeDeleteHelm without a release, run afterDeleteHelm after every uninstall, and always reach a quiet state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const { t, enabled, calls } = await runScenario(actions);
        try {
          checkLog(t.events);
          checkExecutorCalls(calls);
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
