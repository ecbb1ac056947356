import type { ConvergeEvent } from '@converge/protocol';
import type { HookPlan } from './machines/hook-plan.js';
import type { ConvergeSnapshot, ModuleSnapshot } from './machines/steps.js';
import { moduleStateName } from './machines/steps.js';

/**
 * Fast paths of the fold: events that only advance a counter inside the current state and can
 * trigger no transition. They give the same snapshot xstate's `transition()` would (same value,
 * same context), without running the interpreter. Anything else returns undefined.
 */

/** Steps whose statechart node has no eventless transition after a hook succeeded. */
const noEventlessAfterHook = new Set(['afterHelm', 'afterDeleteHelm']);
const hookSteps = new Set(['onStartup', 'beforeHelm', 'afterHelm', 'beforeDeleteHelm', 'afterDeleteHelm']);

export function fastModuleFold(s: ModuleSnapshot, e: ConvergeEvent): ModuleSnapshot | undefined {
  if (e.type !== 'HookSucceeded') return undefined;
  const name = moduleStateName(s);
  if (!hookSteps.has(name) || e.binding !== name) return undefined;
  const c = s.context;
  const list = c.plan[name as keyof HookPlan];
  if (list[c.step] !== e.hook) return undefined;
  if (c.step + 1 >= list.length && !noEventlessAfterHook.has(name)) return undefined;
  if (name === 'onStartup' && !c.doStartup) return undefined;
  return { ...s, context: { ...c, step: c.step + 1 } };
}

export function fastConvergeFold(s: ConvergeSnapshot, e: ConvergeEvent): ConvergeSnapshot | undefined {
  const c = s.context;
  if (e.type === 'ModuleReady' || e.type === 'ModuleRunSkipped' || e.type === 'ModuleDeleted') {
    const handles =
      (s.value === 'runModules' && e.type !== 'ModuleDeleted') ||
      (s.value === 'deleteModules' && e.type === 'ModuleDeleted');
    if (!handles) return s; // unhandled in this state: nothing changes
    if (!c.pending.includes(e.module)) return s;
    if (c.pending.length > 1)
      return { ...s, context: { ...c, pending: c.pending.filter((m) => m !== e.module) } };
    return undefined;
  }
  if (
    e.type === 'HookSucceeded' &&
    e.module === undefined &&
    (e.binding === 'beforeAll' || e.binding === 'afterAll')
  ) {
    if (s.value !== e.binding) return s;
    const list = e.binding === 'beforeAll' ? c.beforeAll : c.afterAll;
    if (list[c.step] !== e.hook) return s;
    if (c.step + 1 < list.length) return { ...s, context: { ...c, step: c.step + 1 } };
  }
  return undefined;
}
