import type { LifecycleBinding } from '@converge/protocol';
import type { SnapshotFrom, StateValue } from 'xstate';
import { convergeMachine } from './converge-machine.js';
import { moduleMachine } from './module-machine.js';
import { startupMachine } from './startup-machine.js';
import { effectsOf, stateNamesByPath } from './state-effects.js';

export type ModuleSnapshot = SnapshotFrom<typeof moduleMachine>;
export type ConvergeSnapshot = SnapshotFrom<typeof convergeMachine>;
export type StartupSnapshot = SnapshotFrom<typeof startupMachine>;

/** The lifecycle bindings of a module's own hooks. */
export type ModuleBinding = Exclude<LifecycleBinding, 'beforeAll' | 'afterAll'>;

/** What the runtime must do next for a module, read off its lifecycle state. */
export type ModuleStep =
  | { kind: 'runHook'; binding: ModuleBinding; hook: string }
  | { kind: 'synchronize' }
  | { kind: 'helm' }
  | { kind: 'finishRun' }
  | { kind: 'checkRelease' }
  | { kind: 'uninstall' }
  | { kind: 'finishDelete' }
  | { kind: 'idle' };

/** The flat name of a module's lifecycle state, e.g. `beforeHelm`, `deleteFailed`, `ready`. */
export function moduleStateName(s: ModuleSnapshot): string {
  const path = leafPath(s.value);
  return moduleStateNames.get(path) ?? path;
}

const moduleStateNames = stateNamesByPath(moduleMachine);

/** The path of the active atomic state in a (non-parallel) state value: `{running: 'helm'}` → `running.helm`. */
function leafPath(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value)[0] ?? ['', ''];
  return inner === undefined ? key : `${key}.${leafPath(inner)}`;
}

const moduleEffects = effectsOf(moduleMachine);
const convergeEffects = effectsOf(convergeMachine);
const startupEffects = effectsOf(startupMachine);

/**
 * The next effect of a module's lifecycle, as its current state declares it (`meta.effect` in
 * module-machine.ts); `idle` when it waits for a trigger.
 */
export function nextModuleStep(s: ModuleSnapshot): ModuleStep {
  const effect = moduleEffects.get(moduleStateName(s));
  if (!effect) return { kind: 'idle' };
  if (effect.kind !== 'runHook') return { kind: effect.kind } as ModuleStep;
  const binding = effect.binding as ModuleBinding;
  const hook = s.context.plan[binding][s.context.step];
  return hook ? { kind: 'runHook', binding, hook } : ({ kind: effect.whenDone } as ModuleStep);
}

/** What the runtime must do next for the converge. */
export type ConvergeStep =
  | { kind: 'runHook'; binding: 'beforeAll' | 'afterAll'; hook: string }
  | { kind: 'discover' }
  | { kind: 'deleteModules'; modules: string[] }
  | { kind: 'runModules'; group: string[]; groupIndex: number }
  | { kind: 'complete' }
  | { kind: 'idle' };

/** The next effect of the converge, as its current state declares it (`meta.effect` in converge-machine.ts). */
export function nextConvergeStep(s: ConvergeSnapshot): ConvergeStep {
  const c = s.context;
  const effect = convergeEffects.get(String(s.value));
  switch (effect?.kind) {
    case 'runHook': {
      const binding = effect.binding as 'beforeAll' | 'afterAll';
      const hook = c[binding][c.step];
      return hook ? { kind: 'runHook', binding, hook } : { kind: 'idle' };
    }
    case 'discover':
      return { kind: 'discover' };
    case 'deleteModules':
      return { kind: 'deleteModules', modules: c.pending };
    case 'runModules':
      return { kind: 'runModules', group: c.pending, groupIndex: c.groupIndex };
    case 'complete':
      return { kind: 'complete' };
    default:
      return { kind: 'idle' };
  }
}

/** The next global onStartup hook to run, if startup is in that phase. */
export function nextStartupHook(s: StartupSnapshot): string | undefined {
  const effect = startupEffects.get(String(s.value));
  return effect?.kind === 'runHook' ? s.context.onStartup[s.context.step] : undefined;
}
