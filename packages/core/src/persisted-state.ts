import { type EngineState, initialEngineState } from './engine-state.js';
import { convergeMachine } from './machines/converge-machine.js';
import { moduleMachine } from './machines/module-machine.js';
import { startupMachine } from './machines/startup-machine.js';
import type { ConvergeSnapshot, ModuleSnapshot, StartupSnapshot } from './machines/steps.js';

/** A machine snapshot as JSON: its state value and context. */
export interface PersistedMachine {
  value: unknown;
  context: unknown;
}

/** The engine state as plain JSON, for snapshots in durable event stores. */
export interface PersistedEngineState extends Omit<EngineState, 'startup' | 'converge' | 'modules'> {
  format: 1;
  startup: PersistedMachine;
  converge: PersistedMachine;
  modules: Record<string, PersistedMachine>;
}

const persist = (s: { value: unknown; context: unknown }): PersistedMachine => ({
  value: s.value,
  context: JSON.parse(JSON.stringify(s.context)),
});

/** Turns a folded state into JSON that `restoreEngineState` turns back into the same state. */
export function persistEngineState(state: EngineState): PersistedEngineState {
  return JSON.parse(
    JSON.stringify({
      ...state,
      format: 1,
      startup: persist(state.startup),
      converge: persist(state.converge),
      modules: Object.fromEntries(Object.entries(state.modules).map(([m, s]) => [m, persist(s)])),
    }),
  );
}

/** Rebuilds a folded state from `persistEngineState` output (machine snapshots resolved again). */
export function restoreEngineState(p: PersistedEngineState): EngineState {
  const { format: _format, ...rest } = p;
  const fresh = initialEngineState();
  return {
    ...fresh,
    ...rest,
    // Snapshots written before the decisions were folded lack them.
    decisions: { ...fresh.decisions, ...rest.decisions },
    startup: startupMachine.resolveState(p.startup as never) as StartupSnapshot,
    converge: convergeMachine.resolveState(p.converge as never) as ConvergeSnapshot,
    modules: Object.fromEntries(
      Object.entries(p.modules).map(([m, s]) => [
        m,
        moduleMachine.resolveState(s as never) as ModuleSnapshot,
      ]),
    ),
  };
}
