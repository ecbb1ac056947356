import {
  applyEvent,
  type EngineState,
  initialEngineState,
  moduleStateName,
  nextModuleStep,
} from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';

/** What the state panel shows of one module after an event. */
export interface ModuleView {
  /** Lifecycle state name (`moduleStateName`): `beforeHelm`, `deleteFailed`, `ready`, … */
  state: string;
  attempt: number;
  /** What the lifecycle waits for next, e.g. `runHook beforeDeleteHelm hooks/bd`. */
  next: string;
  lastError?: string;
  failedPhase?: string;
}

/** What the state panel shows of the converge. */
export interface ConvergeView {
  phase: string;
  convergeId?: string;
  reason?: string;
  groupIndex: number;
  pending: string[];
  completed: number;
  lastError?: string;
}

/** The engine state right after the event `seq`, as the timeline shows it. */
export interface StateView {
  seq: number;
  startup: string;
  converge: ConvergeView;
  modules: Record<string, ModuleView>;
  enabled: string[];
  errors: Record<string, string>;
}

/**
 * The per-event states of a log, compact: each distinct value is stored once in a pool and a row
 * refers to pool indexes. Row `i` is the state after `events[i]`; `m[k]` is the module-pool index of
 * `modules[k]` (absent while that module is unknown).
 */
export interface StateTable {
  modules: string[];
  startup: string[];
  converge: ConvergeView[];
  module: ModuleView[];
  enabled: string[][];
  errors: Record<string, string>[];
  rows: { seq: number; s: number; c: number; m: number[]; en: number; er: number }[];
}

class Pool<T> {
  readonly items: T[] = [];
  private readonly index = new Map<string, number>();
  add(item: T): number {
    const key = JSON.stringify(item);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.items.push(item) - 1;
      this.index.set(key, i);
    }
    return i;
  }
}

function describeStep(step: ReturnType<typeof nextModuleStep>): string {
  return step.kind === 'runHook' ? `runHook ${step.binding} ${step.hook}` : step.kind;
}

/** What the state panel shows of the converge in `state`. */
export function convergeView(state: EngineState): ConvergeView {
  const c = state.converge.context;
  return {
    phase: String(state.converge.value),
    ...(c.convergeId === undefined ? {} : { convergeId: c.convergeId }),
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    groupIndex: c.groupIndex,
    pending: [...c.pending],
    completed: c.completed,
    ...(c.lastError === undefined ? {} : { lastError: c.lastError }),
  };
}

/** What the state panel shows of one module's lifecycle snapshot. */
export function moduleView(snap: EngineState['modules'][string]): ModuleView {
  const c = snap.context;
  return {
    state: moduleStateName(snap),
    attempt: c.attempt,
    next: describeStep(nextModuleStep(snap)),
    ...(c.lastError === undefined ? {} : { lastError: c.lastError }),
    ...(c.failedPhase === undefined ? {} : { failedPhase: c.failedPhase }),
  };
}

/**
 * Folds the log with `applyEvent` (as `replay` does) and records the state after every event.
 * `from` is the state before the first event (default: the initial state, for a log from seq 1);
 * it is folded in place.
 */
export function buildStateTable(
  events: readonly ConvergeEvent[],
  from: EngineState = initialEngineState(),
): StateTable {
  const state = from;
  const modules: string[] = [];
  const known = new Set<string>();
  const startup = new Pool<string>();
  const converge = new Pool<ConvergeView>();
  const module = new Pool<ModuleView>();
  const enabled = new Pool<string[]>();
  const errors = new Pool<Record<string, string>>();
  const rows: StateTable['rows'] = [];
  // Snapshots are immutable: an unchanged module keeps its snapshot object and its pool index.
  const seen = new WeakMap<object, number>();
  const moduleIndex = (snap: EngineState['modules'][string] | undefined): number => {
    if (!snap) return -1;
    let i = seen.get(snap);
    if (i === undefined) {
      i = module.add(moduleView(snap));
      seen.set(snap, i);
    }
    return i;
  };
  for (const event of events) {
    applyEvent(state, event);
    for (const name in state.modules) {
      if (!known.has(name)) {
        known.add(name);
        modules.push(name);
      }
    }
    rows.push({
      seq: event.seq,
      s: startup.add(String(state.startup.value)),
      c: converge.add(convergeView(state)),
      m: modules.map((name) => moduleIndex(state.modules[name])),
      en: enabled.add([...state.enabled]),
      er: errors.add({ ...state.errors }),
    });
  }
  return {
    modules,
    startup: startup.items,
    converge: converge.items,
    module: module.items,
    enabled: enabled.items,
    errors: errors.items,
    rows,
  };
}

/** Expands the row of `seq` (the last row at or before it); undefined before the first event. */
export function stateAt(table: StateTable, seq: number): StateView | undefined {
  let row: StateTable['rows'][number] | undefined;
  for (const r of table.rows) {
    if (r.seq > seq) break;
    row = r;
  }
  if (!row) return undefined;
  const modules: Record<string, ModuleView> = {};
  row.m.forEach((i, k) => {
    if (i >= 0) modules[table.modules[k]] = table.module[i];
  });
  return {
    seq: row.seq,
    startup: table.startup[row.s],
    converge: table.converge[row.c],
    modules,
    enabled: table.enabled[row.en],
    errors: table.errors[row.er],
  };
}
