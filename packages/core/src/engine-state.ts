import {
  type ConvergeEvent,
  type JsonPatchOperation,
  type ModuleInfo,
  ReplayDivergenceError,
} from '@converge/protocol';
import fastJsonPatch from 'fast-json-patch';
import type { AnyStateMachine } from 'xstate';
import { fastConvergeFold, fastModuleFold } from './fast-fold.js';
import { convergeMachine } from './machines/converge-machine.js';
import { moduleMachine } from './machines/module-machine.js';
import { pureInitial, pureTransition } from './machines/pure-transition.js';
import { startupMachine } from './machines/startup-machine.js';
import { effectsOf, eventTypesOf } from './machines/state-effects.js';
import {
  type ConvergeSnapshot,
  type ModuleSnapshot,
  nextModuleStep,
  type StartupSnapshot,
} from './machines/steps.js';
import type { ConfigDocument, Values } from './ports.js';
import {
  carriedRunDecisions,
  foldRunDecisions,
  initialRunDecisions,
  type RunDecisions,
} from './run-decisions.js';
import type { ValuesPatchOp } from './values/json-patch.js';
import { compactPatches } from './values/patch-compaction.js';

/** The whole engine state: a fold of the event log. Same log in, same state out. */
export interface EngineState {
  /** seq of the last folded event (0 for the initial state). */
  seq: number;
  runId?: string;
  namespace?: string;
  startup: StartupSnapshot;
  converge: ConvergeSnapshot;
  modules: Record<string, ModuleSnapshot>;
  moduleInfo: Record<string, ModuleInfo>;
  /** Module names in enable order, from ModuleEnabled / ModuleDisabled. */
  enabled: string[];
  /** The raw config document last received (ConfigReceived). */
  config: ConfigDocument;
  /** Applied config values per scope (`global` or a module name). */
  configValues: Record<string, Values>;
  /** Accumulated values patches per scope, in the order they were recorded. */
  valuesPatches: Record<string, JsonPatchOperation[]>;
  /** Modules whose last task failed, with the error (cleared on success). */
  errors: Record<string, string>;
  /** How many events were folded through an xstate `transition()` (the rest took the fast path). */
  transitions: number;
  /** The engine's other decisions (replanning, restarts, re-runs, releases, pending deletes). */
  decisions: RunDecisions;
}

export function initialEngineState(): EngineState {
  return {
    seq: 0,
    startup: pureInitial(startupMachine),
    converge: pureInitial(convergeMachine),
    modules: {},
    moduleInfo: {},
    enabled: [],
    config: {},
    configValues: {},
    valuesPatches: {},
    errors: {},
    transitions: 0,
    decisions: initialRunDecisions(),
  };
}

export function initialModuleSnapshot(info: { name: string; hasChart: boolean }): ModuleSnapshot {
  return pureInitial(moduleMachine, { module: info.name, hasChart: info.hasChart });
}

/**
 * Which chart an event is folded into, read off the charts: a chart takes the event types it has
 * transitions for, and of the hook events (`HookSucceeded`) only the bindings its states run
 * (`runsHooks` in their definitions). A module's own hook events (those naming a module) go to
 * that module's chart only, a global hook's to the startup and converge charts.
 */
interface ChartRoute {
  events: Set<string>;
  hookBindings: Set<string>;
}

const routeOf = (machine: AnyStateMachine): ChartRoute => ({
  events: eventTypesOf(machine),
  hookBindings: new Set(
    [...effectsOf(machine).values()].flatMap((e) => (e.kind === 'runHook' ? [e.binding] : [])),
  ),
});

const routes = {
  startup: routeOf(startupMachine),
  converge: routeOf(convergeMachine),
  module: routeOf(moduleMachine),
};

/** Events a hook reports about itself: they belong to the chart of the hook's owner. */
const hookOwnedEvents = new Set<string>(['HookSucceeded', 'SynchronizationCompleted']);

function takes(route: ChartRoute, event: ConvergeEvent): boolean {
  if (!route.events.has(event.type)) return false;
  return event.type !== 'HookSucceeded' || route.hookBindings.has(event.binding);
}

function moduleSnapshot(state: EngineState, module: string): ModuleSnapshot {
  let snap = state.modules[module];
  if (!snap) {
    snap = initialModuleSnapshot({ name: module, hasChart: state.moduleInfo[module]?.hasChart ?? false });
    state.modules[module] = snap;
  }
  return snap;
}

function foldModule(state: EngineState, module: string, event: ConvergeEvent): void {
  const before = moduleSnapshot(state, module);
  const fast = fastModuleFold(before, event);
  if (fast) {
    state.modules[module] = fast;
    return;
  }
  state.modules[module] = pureTransition(moduleMachine, before, event, { module, hasChart: false });
  state.transitions++;
}

function foldConverge(state: EngineState, event: ConvergeEvent): void {
  const fast = fastConvergeFold(state.converge, event);
  if (fast) {
    state.converge = fast;
    return;
  }
  state.converge = pureTransition(convergeMachine, state.converge, event);
  state.transitions++;
}

function foldStartup(state: EngineState, event: ConvergeEvent): void {
  if (state.startup.status === 'done') return;
  state.startup = pureTransition(startupMachine, state.startup, event);
  state.transitions++;
}

function applyConfigPatch(current: Values | undefined, patch: JsonPatchOperation[]): Values {
  const doc = { root: JSON.parse(JSON.stringify(current ?? {})) };
  const ops = patch.map((op) => ({ ...op, path: `/root${op.path}` })) as fastJsonPatch.Operation[];
  fastJsonPatch.applyPatch(doc, ops, false, true);
  return doc.root as Values;
}

/**
 * Folds one event into `state` in place (its maps and arrays included) and returns it. Callers that share states use
 * `evolve`; the runtime and `replay` own their state and fold in place for speed.
 */
export function applyEvent(state: EngineState, event: ConvergeEvent): EngineState {
  state.seq = event.seq;
  if (decisionEvents.has(event.type)) foldRunDecisions(state.decisions, event, state);
  switch (event.type) {
    case 'EngineStarted':
      // A run starts its lifecycles from scratch (a log may hold several runs); releases and
      // deletes that had begun carry over, so that the new run resumes them.
      if (state.runId !== undefined)
        Object.assign(state, initialEngineState(), {
          seq: event.seq,
          decisions: carriedRunDecisions(state.decisions),
        });
      state.runId = event.runId;
      state.namespace = event.namespace;
      for (const m of event.modules) {
        state.moduleInfo[m.name] = m;
        moduleSnapshot(state, m.name);
      }
      return state;
    case 'ModuleEnabled':
      if (!state.enabled.includes(event.module)) state.enabled.push(event.module);
      break;
    case 'ModuleDisabled': {
      const i = state.enabled.indexOf(event.module);
      if (i >= 0) state.enabled.splice(i, 1);
      break;
    }
    case 'ConfigReceived':
      state.config = event.config;
      break;
    case 'ConfigValuesChanged':
      state.configValues[event.scope] = applyConfigPatch(state.configValues[event.scope], event.patch);
      break;
    case 'ValuesChanged':
      state.valuesPatches[event.scope] = compactPatches(
        (state.valuesPatches[event.scope] ?? []) as ValuesPatchOp[],
        event.patch as ValuesPatchOp[],
      ) as JsonPatchOperation[];
      break;
    case 'ModuleFailed':
      state.errors[event.module] = event.error;
      break;
    case 'ModuleReady':
    case 'ModuleDeleted':
      delete state.errors[event.module];
      if (event.type === 'ModuleDeleted') {
        delete state.configValues[event.module];
        delete state.valuesPatches[event.module];
      }
      break;
    case 'HelmReleaseUninstalled':
      // A purge removes a release no module owns any more: no lifecycle moves.
      if (event.purge) return state;
      break;
  }
  foldCharts(state, event);
  return state;
}

/** Folds an event into every chart that takes it (see `routes`). */
function foldCharts(state: EngineState, event: ConvergeEvent): void {
  const module = 'module' in event && typeof event.module === 'string' ? event.module : undefined;
  const ownedByModule = module !== undefined && hookOwnedEvents.has(event.type);
  if (!ownedByModule) {
    if (takes(routes.startup, event)) foldStartup(state, event);
    if (takes(routes.converge, event)) foldConverge(state, event);
  }
  if (module !== undefined && takes(routes.module, event)) foldModule(state, module, event);
}

const decisionEvents = new Set<ConvergeEvent['type']>([
  'ConfigReceived',
  'ModuleDynamicEnabledChanged',
  'EnabledModulesRecalculated',
  'ModulesPlanned',
  'ConvergeStarted',
  'ValuesChanged',
  'ModuleRunStarted',
  'ModuleFailed',
  'ModuleReady',
  'ModuleDeleteStarted',
  'ModuleDeleted',
  'HelmReleaseUpgraded',
  'HelmUpgradeSkipped',
  'HelmReleaseChecked',
  'HelmReleaseUninstalled',
]);

/** Pure fold step: returns a new state and leaves `state` untouched. */
export function evolve(state: EngineState, event: ConvergeEvent): EngineState {
  return applyEvent(cloneEngineState(state), event);
}

export interface ReplayOptions {
  /** Check that seqs follow each other and that lifecycle hook events match what the chart expects. */
  strict?: boolean;
}

/**
 * Rebuilds the state from a log (optionally starting at a snapshot) without calling any
 * executor. Events at or below the snapshot's seq are skipped. With `strict`, a gap in seqs or a
 * lifecycle hook success the statechart did not expect throws ReplayDivergenceError at that seq.
 */
export function replay(
  events: Iterable<ConvergeEvent>,
  from?: { seq: number; state: EngineState },
  options: ReplayOptions = {},
): EngineState {
  const state = from ? cloneEngineState(from.state) : initialEngineState();
  for (const event of events) {
    if (event.seq <= state.seq) continue;
    if (options.strict) checkNext(state, event);
    applyEvent(state, event);
  }
  return state;
}

function checkNext(state: EngineState, event: ConvergeEvent): void {
  if (event.seq !== state.seq + 1)
    throw new ReplayDivergenceError(
      `expected seq ${state.seq + 1}, found seq ${event.seq} (${event.type})`,
      event.seq,
    );
  if (event.type === 'HookSucceeded' && event.module && routes.module.hookBindings.has(event.binding)) {
    const snap = state.modules[event.module];
    const step = snap ? nextModuleStep(snap) : undefined;
    if (step?.kind !== 'runHook' || step.hook !== event.hook || step.binding !== event.binding) {
      const expected =
        step?.kind === 'runHook' ? `${step.binding} hook ${step.hook}` : (step?.kind ?? 'nothing');
      throw new ReplayDivergenceError(
        `module ${event.module}: ${event.binding} hook ${event.hook} succeeded, but the lifecycle expected ${expected}`,
        event.seq,
      );
    }
  }
}

/** A deep-enough copy for snapshots: machine snapshots are immutable, maps are copied. */
export function cloneEngineState(state: EngineState): EngineState {
  return {
    ...state,
    modules: { ...state.modules },
    moduleInfo: { ...state.moduleInfo },
    enabled: [...state.enabled],
    configValues: { ...state.configValues },
    valuesPatches: { ...state.valuesPatches },
    errors: { ...state.errors },
    decisions: cloneRunDecisions(state.decisions),
  };
}

function cloneRunDecisions(d: RunDecisions): RunDecisions {
  return {
    ...d,
    dynamicEnabled: { ...d.dynamicEnabled },
    runTasks: { ...d.runTasks },
    afterHelmValuesChanged: { ...d.afterHelmValuesChanged },
    releases: [...d.releases],
    pendingDeletes: [...d.pendingDeletes],
  };
}
