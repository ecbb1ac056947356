import type { AnyStateMachine } from 'xstate';

/**
 * What a state of a lifecycle chart asks the runtime to do, declared on the state itself as
 * `meta: { effect }`. `runHook` states run their binding's hooks in plan order (the context's
 * `step` is the next one) and carry the `runsHooks` tag; `whenDone` is the step once none is left
 * (`idle` while an eventless transition moves on). `nextModuleStep`/`nextConvergeStep`, the fold's
 * event routing and its fast paths are all read off these declarations.
 */
export type StateEffect =
  | { kind: 'runHook'; binding: string; whenDone: 'idle' | 'finishRun' | 'finishDelete' }
  | {
      kind:
        | 'synchronize'
        | 'helm'
        | 'checkRelease'
        | 'uninstall'
        | 'discover'
        | 'deleteModules'
        | 'runModules'
        | 'complete';
    };

/** The tag of every state whose effect is `runHook`. */
export const RUNS_HOOKS_TAG = 'runsHooks';

type GuardRef = string | { type: string; params?: unknown } | ((args: unknown, params?: unknown) => boolean);

/** A transition as xstate keeps it on a state node (the fields read here). */
export interface ChartTransition {
  target?: readonly unknown[];
  guard?: GuardRef;
  actions: readonly unknown[];
  reenter?: boolean;
}

/** The slice of an xstate state node read here. */
export interface ChartNode {
  id: string;
  key: string;
  path: readonly string[];
  config: { id?: string };
  meta?: { effect?: StateEffect };
  tags: readonly string[];
  states: Record<string, ChartNode>;
  parent?: ChartNode;
  always?: readonly ChartTransition[];
  transitions: Map<string, readonly ChartTransition[]>;
}

/** Every state node of a machine, root first, in document order. */
export function stateNodesOf(machine: AnyStateMachine): ChartNode[] {
  const out: ChartNode[] = [];
  const visit = (n: ChartNode) => {
    out.push(n);
    for (const child of Object.values(n.states)) visit(child);
  };
  visit(machine.root as unknown as ChartNode);
  return out;
}

/** A state's flat name: its explicit id, else its key (what `moduleStateName` returns for it). */
export const stateNameOf = (node: ChartNode): string => node.config.id ?? node.key;

/** The atomic states of a machine by flat name (the root excluded). */
export function statesByName(machine: AnyStateMachine): Map<string, ChartNode> {
  return new Map(
    stateNodesOf(machine)
      .filter((n) => n.parent !== undefined && Object.keys(n.states).length === 0)
      .map((n) => [stateNameOf(n), n]),
  );
}

/** The flat name of each atomic state by its path in the state value (`running.failed` → `runFailed`). */
export function stateNamesByPath(machine: AnyStateMachine): Map<string, string> {
  return new Map([...statesByName(machine)].map(([name, node]) => [node.path.join('.'), name]));
}

/** The declared effect of each state that has one, by flat state name. */
export function effectsOf(machine: AnyStateMachine): Map<string, StateEffect> {
  const out = new Map<string, StateEffect>();
  for (const [name, node] of statesByName(machine)) if (node.meta?.effect) out.set(name, node.meta.effect);
  return out;
}

/** Every event type some state of the machine (the root included) has a transition for. */
export function eventTypesOf(machine: AnyStateMachine): Set<string> {
  const out = new Set<string>();
  for (const node of stateNodesOf(machine)) for (const type of node.transitions.keys()) out.add(type);
  return out;
}

/**
 * Evaluates a transition's guard with the machine's own guard implementations (named, with
 * params, or inline). An unguarded transition passes.
 */
export function guardPasses(
  machine: AnyStateMachine,
  guard: GuardRef | undefined,
  context: unknown,
  event: unknown,
): boolean {
  if (guard === undefined) return true;
  const guards = machine.implementations.guards as Record<
    string,
    (args: unknown, params?: unknown) => boolean
  >;
  if (typeof guard === 'function') return guard({ context, event });
  const { type, params } = typeof guard === 'string' ? { type: guard, params: undefined } : guard;
  const impl = guards[type];
  if (!impl) throw new Error(`guard ${type} of ${machine.id} has no implementation`);
  return impl({ context, event }, params);
}

/** State config of a state that runs `binding`'s hooks: its tag and `meta.effect`. */
export function runsHooks(
  binding: string,
  whenDone: 'idle' | 'finishRun' | 'finishDelete' = 'idle',
): { tags: string[]; meta: { effect: StateEffect } } {
  return { tags: [RUNS_HOOKS_TAG], meta: { effect: { kind: 'runHook', binding, whenDone } } };
}

/** State config of a state whose effect is one runtime step (`helm`, `uninstall`, `discover`, …). */
export function performs(kind: Exclude<StateEffect['kind'], 'runHook'>): { meta: { effect: StateEffect } } {
  return { meta: { effect: { kind } as StateEffect } };
}
