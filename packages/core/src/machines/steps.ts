import type { LifecycleBinding } from '@converge/protocol';
import type { SnapshotFrom } from 'xstate';
import type { convergeMachine } from './converge-machine.js';
import type { moduleMachine } from './module-machine.js';
import type { startupMachine } from './startup-machine.js';

export type ModuleSnapshot = SnapshotFrom<typeof moduleMachine>;
export type ConvergeSnapshot = SnapshotFrom<typeof convergeMachine>;
export type StartupSnapshot = SnapshotFrom<typeof startupMachine>;

/** What the runtime must do next for a module, read off its lifecycle state. */
/** The lifecycle bindings of a module's own hooks. */
export type ModuleBinding = Exclude<LifecycleBinding, 'beforeAll' | 'afterAll'>;

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
  const v = s.value;
  if (typeof v === 'string') return v;
  if ('running' in v) return v.running === 'failed' ? 'runFailed' : String(v.running);
  if ('deleting' in v) return v.deleting === 'failed' ? 'deleteFailed' : String(v.deleting);
  return JSON.stringify(v);
}

const hookAt = (s: ModuleSnapshot, binding: ModuleBinding): string | undefined =>
  s.context.plan[binding][s.context.step];

/** The next effect of a module's lifecycle; `idle` when it waits for a trigger. */
export function nextModuleStep(s: ModuleSnapshot): ModuleStep {
  switch (moduleStateName(s)) {
    case 'onStartup': {
      const hook = hookAt(s, 'onStartup');
      return hook ? { kind: 'runHook', binding: 'onStartup', hook } : { kind: 'idle' };
    }
    case 'synchronization':
      return { kind: 'synchronize' };
    case 'beforeHelm': {
      const hook = hookAt(s, 'beforeHelm');
      return hook ? { kind: 'runHook', binding: 'beforeHelm', hook } : { kind: 'idle' };
    }
    case 'helm':
      return { kind: 'helm' };
    case 'afterHelm': {
      const hook = hookAt(s, 'afterHelm');
      return hook ? { kind: 'runHook', binding: 'afterHelm', hook } : { kind: 'finishRun' };
    }
    case 'checkRelease':
      return { kind: 'checkRelease' };
    case 'beforeDeleteHelm': {
      const hook = hookAt(s, 'beforeDeleteHelm');
      return hook ? { kind: 'runHook', binding: 'beforeDeleteHelm', hook } : { kind: 'idle' };
    }
    case 'uninstall':
      return { kind: 'uninstall' };
    case 'afterDeleteHelm': {
      const hook = hookAt(s, 'afterDeleteHelm');
      return hook ? { kind: 'runHook', binding: 'afterDeleteHelm', hook } : { kind: 'finishDelete' };
    }
    default:
      return { kind: 'idle' };
  }
}

/** What the runtime must do next for the converge. */
export type ConvergeStep =
  | { kind: 'runHook'; binding: 'beforeAll' | 'afterAll'; hook: string }
  | { kind: 'discover' }
  | { kind: 'deleteModules'; modules: string[] }
  | { kind: 'runModules'; group: string[]; groupIndex: number }
  | { kind: 'complete' }
  | { kind: 'idle' };

export function nextConvergeStep(s: ConvergeSnapshot): ConvergeStep {
  const c = s.context;
  switch (s.value) {
    case 'beforeAll':
      return c.beforeAll[c.step]
        ? { kind: 'runHook', binding: 'beforeAll', hook: c.beforeAll[c.step] }
        : { kind: 'idle' };
    case 'discover':
      return { kind: 'discover' };
    case 'deleteModules':
      return { kind: 'deleteModules', modules: c.pending };
    case 'runModules':
      return { kind: 'runModules', group: c.pending, groupIndex: c.groupIndex };
    case 'afterAll':
      return c.afterAll[c.step]
        ? { kind: 'runHook', binding: 'afterAll', hook: c.afterAll[c.step] }
        : { kind: 'idle' };
    case 'finishing':
      return { kind: 'complete' };
    default:
      return { kind: 'idle' };
  }
}

/** The next global onStartup hook to run, if startup is in that phase. */
export function nextStartupHook(s: StartupSnapshot): string | undefined {
  return s.value === 'onStartup' ? s.context.onStartup[s.context.step] : undefined;
}
