import { readFileSync } from 'node:fs';
import type { ConvergeEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { applyEvent, initialEngineState } from '../src/engine-state.js';
import { fastConvergeFold, fastModuleFold } from '../src/fast-fold.js';
import { convergeMachine } from '../src/machines/converge-machine.js';
import { moduleMachine } from '../src/machines/module-machine.js';
import { pureTransition } from '../src/machines/pure-transition.js';
import { startupMachine } from '../src/machines/startup-machine.js';
import {
  effectsOf,
  eventTypesOf,
  performs,
  RUNS_HOOKS_TAG,
  runsHooks,
  statesByName,
} from '../src/machines/state-effects.js';
import { moduleStateName, nextConvergeStep, nextModuleStep } from '../src/machines/steps.js';

describe('the charts declare their effects (meta.effect and the runsHooks tag)', () => {
  it('the module chart declares the runtime step of each state DESIGN’s lifecycle names', () => {
    expect(Object.fromEntries(effectsOf(moduleMachine))).toEqual({
      onStartup: { kind: 'runHook', binding: 'onStartup', whenDone: 'idle' },
      synchronization: { kind: 'synchronize' },
      beforeHelm: { kind: 'runHook', binding: 'beforeHelm', whenDone: 'idle' },
      helm: { kind: 'helm' },
      afterHelm: { kind: 'runHook', binding: 'afterHelm', whenDone: 'finishRun' },
      checkRelease: { kind: 'checkRelease' },
      beforeDeleteHelm: { kind: 'runHook', binding: 'beforeDeleteHelm', whenDone: 'idle' },
      uninstall: { kind: 'uninstall' },
      afterDeleteHelm: { kind: 'runHook', binding: 'afterDeleteHelm', whenDone: 'finishDelete' },
    });
    for (const [name, node] of statesByName(moduleMachine))
      expect(node.tags.includes(RUNS_HOOKS_TAG), name).toBe(node.meta?.effect?.kind === 'runHook');
  });

  it('nextModuleStep is read off the state: each declared effect, a hook of the plan for runHook states', () => {
    const plan = {
      ...emptyModuleContext().plan,
      onStartup: ['s'],
      beforeHelm: ['b'],
      afterHelm: [],
      beforeDeleteHelm: ['d'],
      afterDeleteHelm: [],
    };
    for (const [name, node] of statesByName(moduleMachine)) {
      const value = node.path.length === 1 ? node.path[0] : { [node.path[0]]: node.path[1] };
      const base = moduleMachine.resolveState({
        value,
        context: { ...emptyModuleContext(), step: 0 },
      } as never);
      const snap = { ...base, context: { ...base.context, plan } } as typeof base;
      expect(moduleStateName(snap)).toBe(name);
      const effect = node.meta?.effect;
      const step = nextModuleStep(snap);
      if (!effect) expect(step, name).toEqual({ kind: 'idle' });
      else if (effect.kind !== 'runHook') expect(step, name).toEqual({ kind: effect.kind });
      else {
        const hook = plan[effect.binding as keyof typeof plan][0];
        expect(step, name).toEqual(
          hook ? { kind: 'runHook', binding: effect.binding, hook } : { kind: effect.whenDone },
        );
      }
    }
  });

  it('the converge steps come from the converge chart’s declarations', () => {
    const kinds = [...effectsOf(convergeMachine)].map(([name, e]) => [name, e.kind]);
    expect(kinds).toEqual([
      ['beforeAll', 'runHook'],
      ['discover', 'discover'],
      ['deleteModules', 'deleteModules'],
      ['runModules', 'runModules'],
      ['afterAll', 'runHook'],
      ['finishing', 'complete'],
    ]);
    const snap = convergeMachine.resolveState({
      value: 'deleteModules',
      context: { ...convergeMachine.config.context, pending: ['x'] },
    } as never);
    expect(nextConvergeStep(snap)).toEqual({ kind: 'deleteModules', modules: ['x'] });
  });

  it('a state added to a chart needs no second edit: its effect and events are found by the same walk', () => {
    const chart = createMachine({
      id: 'demo',
      initial: 'prepare',
      states: {
        prepare: { ...runsHooks('beforeHelm'), on: { Prepared: 'render' } },
        render: { ...performs('helm'), on: { Rendered: 'done' } },
        done: {},
      },
    });
    expect(Object.fromEntries(effectsOf(chart))).toEqual({
      prepare: { kind: 'runHook', binding: 'beforeHelm', whenDone: 'idle' },
      render: { kind: 'helm' },
    });
    expect([...eventTypesOf(chart)].sort()).toEqual(['Prepared', 'Rendered']);
  });
});

function emptyModuleContext() {
  return moduleMachine.resolveState(
    moduleMachine.getInitialSnapshot(undefined as never, { module: 'm', hasChart: true }) as never,
  ).context;
}

describe('the fold’s fast paths give what xstate gives', () => {
  const logs = ['before-delete-retry', 'config-restart', 'parallel-groups'].map((name) =>
    readFileSync(new URL(`../../../test/golden/${name}.jsonl`, import.meta.url), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ConvergeEvent),
  );

  it('for every event of the golden logs, in every module and the converge, fast fold = transition()', () => {
    let checked = 0;
    for (const log of logs) {
      const state = initialEngineState();
      for (const e of log) {
        for (const [module, snap] of Object.entries(state.modules)) {
          const fast = fastModuleFold(snap, e);
          if (!fast) continue;
          const slow = pureTransition(moduleMachine, snap, e, { module, hasChart: false });
          expect({ value: fast.value, context: fast.context }, `seq ${e.seq} ${module}`).toEqual({
            value: slow.value,
            context: slow.context,
          });
          checked++;
        }
        const fast = fastConvergeFold(state.converge, e);
        if (fast) {
          const slow = pureTransition(convergeMachine, state.converge, e);
          expect({ value: fast.value, context: fast.context }, `seq ${e.seq}`).toEqual({
            value: slow.value,
            context: slow.context,
          });
          checked++;
        }
        applyEvent(state, e);
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('the fold routes events to the charts that have transitions for them', () => {
    expect(eventTypesOf(startupMachine)).toEqual(
      new Set([
        'SynchronizationCompleted',
        'GlobalHooksRegistered',
        'HookSucceeded',
        'ConvergeStarted',
        'ConvergeCompleted',
      ]),
    );
    expect(eventTypesOf(moduleMachine).has('HelmReleaseChecked')).toBe(true);
    expect(eventTypesOf(convergeMachine).has('ModuleRunSkipped')).toBe(true);
  });
});
