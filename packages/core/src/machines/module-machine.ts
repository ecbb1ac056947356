import type { ConvergeEvent, HookDescriptor, ModuleFailedPhase } from '@converge/protocol';
import { assign, setup } from 'xstate';
import { awaitedSyncs, emptyHookPlan, type HookPlan, planHooks, type SyncKey } from './hook-plan.js';
import { performs, runsHooks } from './state-effects.js';

/** Where a failed lifecycle run resumes on its next attempt (addon-operator pkg/task/tasks/module-run/task.go, addon-operator pkg/task/tasks/module-run/task.go). */
export type ResumePoint = 'onStartup' | 'synchronization' | 'beforeHelm';

export interface ModuleContext {
  module: string;
  hasChart: boolean;
  registered: boolean;
  hooks: HookDescriptor[];
  plan: HookPlan;
  syncAwaited: SyncKey[];
  syncDone: SyncKey[];
  /** Index of the next hook to run in the current binding's list. */
  step: number;
  doStartup: boolean;
  resumeFrom: ResumePoint;
  lastError?: string;
  failedPhase?: ModuleFailedPhase;
  /** Attempt number of the current run or delete (1-based). */
  attempt: number;
}

export interface ModuleInput {
  module: string;
  hasChart: boolean;
}

type E = ConvergeEvent;
type Binding = keyof HookPlan;

/**
 * The module lifecycle statechart (addon-operator pkg/task/tasks/module-run/task.go). It is folded from log events only: the runtime asks
 * `nextModuleStep()` what to do, runs it, and appends what happened. State ids are the ones README.md's statechart shows.
 */
export const moduleMachine = setup({
  types: {
    context: {} as ModuleContext,
    events: {} as E,
    input: {} as ModuleInput,
  },
  actions: {
    nextStep: assign({ step: ({ context }) => context.step + 1 }),
    resetStep: assign({ step: 0 }),
    /** A new attempt of a run or a delete: counting starts again at the first hook. */
    startAttempt: assign(({ event }) =>
      'attempt' in event ? { step: 0, attempt: event.attempt } : { step: 0 },
    ),
    /** A run of a disabled or deleted module starts the whole lifecycle (onStartup first). */
    beginLifecycle: assign(({ event }) =>
      event.type === 'ModuleRunStarted'
        ? {
            doStartup: event.doStartup,
            step: 0,
            attempt: event.attempt,
            syncDone: [],
            resumeFrom: 'onStartup' as ResumePoint,
          }
        : {},
    ),
    resumeAt: assign((_, params: { at: ResumePoint }) => ({ resumeFrom: params.at })),
    recordFailure: assign(({ event }) =>
      event.type === 'ModuleFailed' ? { lastError: event.error, failedPhase: event.phase, step: 0 } : {},
    ),
  },
  guards: {
    hookDone: ({ context, event }, params: { binding: Binding }) =>
      event.type === 'HookSucceeded' &&
      event.binding === params.binding &&
      event.hook === context.plan[params.binding][context.step],
    allDone: ({ context }, params: { binding: Binding }) =>
      context.step >= context.plan[params.binding].length,
    startupSkipped: ({ context }) => !context.doStartup || context.step >= context.plan.onStartup.length,
    syncComplete: ({ context }) => context.syncAwaited.every((k) => context.syncDone.includes(k)),
    noChart: ({ context }) => !context.hasChart,
    resumesAt: ({ context }, params: { at: ResumePoint }) => context.resumeFrom === params.at,
    releaseExists: ({ event }) => event.type === 'HelmReleaseChecked' && event.exists,
  },
}).createMachine({
  id: 'module',
  context: ({ input }) => ({
    module: input.module,
    hasChart: input.hasChart,
    registered: false,
    hooks: [],
    plan: emptyHookPlan(),
    syncAwaited: [],
    syncDone: [],
    step: 0,
    doStartup: true,
    resumeFrom: 'onStartup',
    attempt: 0,
  }),
  initial: 'disabled',
  on: {
    ModuleHooksRegistered: {
      actions: assign(({ event }) => ({
        registered: true,
        hooks: event.hooks,
        plan: planHooks(event.hooks),
        syncAwaited: awaitedSyncs(event.hooks),
      })),
    },
    ModuleDeleteStarted: {
      target: '.deleting',
      actions: assign(({ event }) => ({ step: 0, attempt: event.attempt, lastError: undefined })),
    },
  },
  states: {
    disabled: {
      on: {
        ModuleRunStarted: { target: 'running.onStartup', actions: 'beginLifecycle' },
      },
    },
    running: {
      initial: 'onStartup',
      on: {
        ModuleFailed: { target: '.failed' },
        // A new run while a run is failing or was interrupted resumes where the lifecycle stands (addon-operator pkg/task/tasks/module-run/task.go).
        ModuleRunStarted: [
          {
            guard: { type: 'resumesAt', params: { at: 'onStartup' } },
            target: '.onStartup',
            actions: assign(({ event }) => ({ step: 0, attempt: event.attempt, syncDone: [] })),
          },
          {
            guard: { type: 'resumesAt', params: { at: 'synchronization' } },
            target: '.synchronization',
            actions: 'startAttempt',
          },
          {
            target: '.beforeHelm',
            actions: 'startAttempt',
          },
        ],
        SynchronizationCompleted: {
          actions: assign(({ context, event }) => ({
            syncDone: [...context.syncDone, `${event.hook}/${event.bindingName}`],
          })),
        },
      },
      states: {
        onStartup: {
          id: 'onStartup',
          ...runsHooks('onStartup'),
          always: {
            guard: 'startupSkipped',
            target: 'synchronization',
            actions: ['resetStep', { type: 'resumeAt', params: { at: 'synchronization' } }],
          },
          on: {
            HookSucceeded: {
              guard: { type: 'hookDone', params: { binding: 'onStartup' } },
              actions: 'nextStep',
            },
          },
        },
        synchronization: {
          id: 'synchronization',
          ...performs('synchronize'),
          always: {
            guard: 'syncComplete',
            target: 'beforeHelm',
            actions: ['resetStep', { type: 'resumeAt', params: { at: 'beforeHelm' } }],
          },
        },
        beforeHelm: {
          id: 'beforeHelm',
          ...runsHooks('beforeHelm'),
          always: {
            guard: { type: 'allDone', params: { binding: 'beforeHelm' } },
            target: 'helm',
            actions: 'resetStep',
          },
          on: {
            HookSucceeded: {
              guard: { type: 'hookDone', params: { binding: 'beforeHelm' } },
              actions: 'nextStep',
            },
          },
        },
        helm: {
          id: 'helm',
          ...performs('helm'),
          always: { guard: 'noChart', target: 'afterHelm' },
          on: {
            HelmReleaseUpgraded: { target: 'afterHelm' },
            HelmUpgradeSkipped: { target: 'afterHelm' },
          },
        },
        afterHelm: {
          id: 'afterHelm',
          ...runsHooks('afterHelm', 'finishRun'),
          on: {
            HookSucceeded: {
              guard: { type: 'hookDone', params: { binding: 'afterHelm' } },
              actions: 'nextStep',
            },
            ModuleReady: { target: '#ready' },
            ModuleRunStarted: {
              target: 'beforeHelm',
              actions: 'startAttempt',
            },
          },
        },
        failed: {
          id: 'runFailed',
          entry: 'recordFailure',
        },
      },
    },
    ready: {
      id: 'ready',
      entry: assign({ lastError: undefined, failedPhase: undefined }),
      on: {
        ModuleRunStarted: {
          target: 'running.beforeHelm',
          actions: 'startAttempt',
        },
      },
    },
    deleting: {
      initial: 'checkRelease',
      on: { ModuleFailed: { target: '.failed' } },
      states: {
        checkRelease: {
          id: 'checkRelease',
          ...performs('checkRelease'),
          always: { guard: 'noChart', target: 'afterDeleteHelm' },
          on: {
            HelmReleaseChecked: [
              { guard: 'releaseExists', target: 'beforeDeleteHelm' },
              { target: 'afterDeleteHelm' },
            ],
          },
        },
        beforeDeleteHelm: {
          id: 'beforeDeleteHelm',
          ...runsHooks('beforeDeleteHelm'),
          always: {
            guard: { type: 'allDone', params: { binding: 'beforeDeleteHelm' } },
            target: 'uninstall',
            actions: 'resetStep',
          },
          on: {
            HookSucceeded: {
              guard: { type: 'hookDone', params: { binding: 'beforeDeleteHelm' } },
              actions: 'nextStep',
            },
          },
        },
        uninstall: {
          id: 'uninstall',
          ...performs('uninstall'),
          on: { HelmReleaseUninstalled: { target: 'afterDeleteHelm' } },
        },
        afterDeleteHelm: {
          id: 'afterDeleteHelm',
          ...runsHooks('afterDeleteHelm', 'finishDelete'),
          entry: 'resetStep',
          on: {
            HookSucceeded: {
              guard: { type: 'hookDone', params: { binding: 'afterDeleteHelm' } },
              actions: 'nextStep',
            },
            ModuleDeleted: { target: '#deleted' },
          },
        },
        failed: {
          id: 'deleteFailed',
          entry: 'recordFailure',
          on: {
            // AO-79: re-enabled while its delete keeps failing; runs resume at beforeHelm (no onStartup).
            ModuleRunStarted: {
              target: '#beforeHelm',
              actions: 'startAttempt',
            },
          },
        },
      },
    },
    deleted: {
      id: 'deleted',
      entry: assign({
        registered: false,
        hooks: [],
        plan: emptyHookPlan(),
        syncAwaited: [],
        syncDone: [],
        step: 0,
        resumeFrom: 'onStartup' as ResumePoint,
        lastError: undefined,
        failedPhase: undefined,
      }),
      on: {
        ModuleRunStarted: { target: 'running.onStartup', actions: 'beginLifecycle' },
      },
    },
  },
});
