import type { ConvergeEvent } from '@converge/protocol';
import type { AnyStateMachine } from 'xstate';
import { convergeMachine } from './machines/converge-machine.js';
import { moduleMachine } from './machines/module-machine.js';
import { type ChartNode, type ChartTransition, guardPasses, statesByName } from './machines/state-effects.js';
import type { ConvergeSnapshot, ModuleSnapshot } from './machines/steps.js';
import { moduleStateName } from './machines/steps.js';

/**
 * Fast paths of the fold: an event whose transition only advances a counter inside the current
 * state (`nextStep`, `settleModule`) and after which no eventless transition fires gives the same
 * snapshot xstate's `transition()` would (same value, same context), without running the
 * interpreter. Which transition an event takes and whether an eventless one fires are read off the
 * chart (its transitions and guard implementations); anything else returns undefined.
 */

type Context = Record<string, unknown>;

/** The context updates of the actions a fast path may apply, by action name. */
const counterActions: Record<string, (context: Context, event: ConvergeEvent) => Context> = {
  nextStep: (c) => ({ ...c, step: (c.step as number) + 1 }),
  settleModule: (c, e) =>
    'module' in e && e.module !== undefined
      ? { ...c, pending: (c.pending as string[]).filter((m) => m !== e.module) }
      : c,
};

/** The nodes from an atomic state up to the root, each with its transitions for `type`. */
function chain(node: ChartNode): ChartNode[] {
  const out: ChartNode[] = [];
  for (let n: ChartNode | undefined = node; n; n = n.parent) out.push(n);
  return out;
}

/**
 * The fast result of `event` in the atomic state `node`, or undefined when xstate must decide:
 * `same` when no transition is enabled, else the context after a targetless counter transition.
 */
function fastStep(
  machine: AnyStateMachine,
  node: ChartNode,
  context: Context,
  event: ConvergeEvent,
): { same: true } | { context: Context } | undefined {
  const nodes = chain(node);
  let taken: ChartTransition | undefined;
  for (const n of nodes) {
    for (const t of n.transitions.get(event.type) ?? []) {
      if (guardPasses(machine, t.guard, context, event)) {
        taken = t;
        break;
      }
    }
    if (taken) break;
  }
  if (!taken) return { same: true };
  if ((taken.target && taken.target.length > 0) || taken.reenter) return undefined;
  let next = context;
  for (const action of taken.actions) {
    const apply = typeof action === 'string' ? counterActions[action] : undefined;
    if (!apply) return undefined;
    next = apply(next, event);
  }
  // The new context must not enable an eventless transition (xstate would take it).
  for (const n of nodes)
    for (const t of n.always ?? []) if (guardPasses(machine, t.guard, next, event)) return undefined;
  return { context: next };
}

const moduleStates = statesByName(moduleMachine);
const convergeStates = statesByName(convergeMachine);

export function fastModuleFold(s: ModuleSnapshot, e: ConvergeEvent): ModuleSnapshot | undefined {
  // The fold's hottest event; the others are rare enough for xstate.
  if (e.type !== 'HookSucceeded') return undefined;
  const node = moduleStates.get(moduleStateName(s));
  if (!node) return undefined;
  const result = fastStep(moduleMachine, node, s.context as unknown as Context, e);
  if (!result) return undefined;
  if ('same' in result) return s;
  return { ...s, context: result.context as unknown as ModuleSnapshot['context'] };
}

export function fastConvergeFold(s: ConvergeSnapshot, e: ConvergeEvent): ConvergeSnapshot | undefined {
  if (
    e.type !== 'ModuleReady' &&
    e.type !== 'ModuleRunSkipped' &&
    e.type !== 'ModuleDeleted' &&
    e.type !== 'HookSucceeded'
  )
    return undefined;
  const node = convergeStates.get(String(s.value));
  if (!node) return undefined;
  const result = fastStep(convergeMachine, node, s.context as unknown as Context, e);
  if (!result) return undefined;
  if ('same' in result) return s;
  return { ...s, context: result.context as unknown as ConvergeSnapshot['context'] };
}
