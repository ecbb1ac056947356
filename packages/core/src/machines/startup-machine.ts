import type { ConvergeEvent } from '@converge/protocol';
import { assign, setup } from 'xstate';
import { awaitedSyncs, planHooks, type SyncKey } from './hook-plan.js';
import { runsHooks } from './state-effects.js';

export interface StartupContext {
  onStartup: string[];
  step: number;
  syncAwaited: SyncKey[];
  syncDone: SyncKey[];
}

/**
 * Global startup (addon-operator pkg/addon-operator/operator.go (CreateBootstrapTasks)): global onStartup hooks in order, global kubernetes
 * Synchronization, then the first converge. `ready` is addon-operator's "first converge done".
 */
export const startupMachine = setup({
  types: { context: {} as StartupContext, events: {} as ConvergeEvent },
  guards: {
    hookDone: ({ context, event }) =>
      event.type === 'HookSucceeded' &&
      event.module === undefined &&
      event.binding === 'onStartup' &&
      event.hook === context.onStartup[context.step],
    onStartupDone: ({ context }) => context.step >= context.onStartup.length,
    syncComplete: ({ context }) => context.syncAwaited.every((k) => context.syncDone.includes(k)),
  },
}).createMachine({
  id: 'startup',
  context: { onStartup: [], step: 0, syncAwaited: [], syncDone: [] },
  initial: 'idle',
  on: {
    SynchronizationCompleted: {
      actions: assign(({ context, event }) =>
        event.module === undefined
          ? { syncDone: [...context.syncDone, `${event.hook}/${event.bindingName}`] }
          : {},
      ),
    },
  },
  states: {
    idle: {
      on: {
        GlobalHooksRegistered: {
          target: 'onStartup',
          actions: assign(({ event }) => ({
            onStartup: planHooks(event.hooks).onStartup,
            syncAwaited: awaitedSyncs(event.hooks),
            step: 0,
          })),
        },
      },
    },
    onStartup: {
      ...runsHooks('onStartup'),
      always: { guard: 'onStartupDone', target: 'synchronization' },
      on: {
        HookSucceeded: { guard: 'hookDone', actions: assign({ step: ({ context }) => context.step + 1 }) },
      },
    },
    synchronization: {
      always: { guard: 'syncComplete', target: 'waitingForConverge' },
    },
    waitingForConverge: { on: { ConvergeStarted: 'converging' } },
    converging: { on: { ConvergeCompleted: 'ready' } },
    ready: { type: 'final' },
  },
});
