import type { ConvergeEvent, ConvergeReason, HookDescriptor } from '@converge/protocol';
import { assign, setup } from 'xstate';
import { planHooks } from './hook-plan.js';
import { performs, runsHooks } from './state-effects.js';

export interface ConvergeContext {
  convergeId?: string;
  reason?: ConvergeReason;
  beforeAll: string[];
  afterAll: string[];
  step: number;
  toDisable: string[];
  groups: string[][];
  groupIndex: number;
  /** Modules of the current delete batch or run group that have not finished yet. */
  pending: string[];
  lastError?: string;
  completed: number;
}

type E = ConvergeEvent;

const globalLifecycle = (hooks: HookDescriptor[]) => {
  const plan = planHooks(hooks);
  return { beforeAll: plan.beforeAll, afterAll: plan.afterAll };
};

/**
 * The global converge statechart (addon-operator pkg/addon-operator/converge/converge.go): beforeAll → discover → delete disabled → run enabled,
 * group by group → afterAll. A new ConvergeStarted in any state restarts it (addon-operator pkg/addon-operator/handler_module_manager.go).
 */
export const convergeMachine = setup({
  types: { context: {} as ConvergeContext, events: {} as E },
  actions: {
    nextStep: assign({ step: ({ context }) => context.step + 1 }),
    resetStep: assign({ step: 0 }),
    start: assign(({ event }) =>
      event.type === 'ConvergeStarted'
        ? { convergeId: event.convergeId, reason: event.reason, step: 0, lastError: undefined }
        : {},
    ),
    settleModule: assign(({ context, event }) =>
      'module' in event && event.module !== undefined
        ? { pending: context.pending.filter((m) => m !== event.module) }
        : {},
    ),
    nextGroup: assign(({ context }) => ({
      groupIndex: context.groupIndex + 1,
      pending: [...(context.groups[context.groupIndex + 1] ?? [])],
    })),
  },
  guards: {
    beforeAllHookDone: ({ context, event }) =>
      event.type === 'HookSucceeded' &&
      event.module === undefined &&
      event.binding === 'beforeAll' &&
      event.hook === context.beforeAll[context.step],
    afterAllHookDone: ({ context, event }) =>
      event.type === 'HookSucceeded' &&
      event.module === undefined &&
      event.binding === 'afterAll' &&
      event.hook === context.afterAll[context.step],
    beforeAllDone: ({ context }) => context.step >= context.beforeAll.length,
    afterAllDone: ({ context }) => context.step >= context.afterAll.length,
    nothingPending: ({ context }) => context.pending.length === 0,
    moreGroups: ({ context }) =>
      context.pending.length === 0 && context.groupIndex + 1 < context.groups.length,
  },
}).createMachine({
  id: 'converge',
  context: {
    beforeAll: [],
    afterAll: [],
    step: 0,
    toDisable: [],
    groups: [],
    groupIndex: 0,
    pending: [],
    completed: 0,
  },
  initial: 'standBy',
  on: {
    GlobalHooksRegistered: { actions: assign(({ event }) => globalLifecycle(event.hooks)) },
    ConvergeStarted: { target: '.beforeAll', actions: 'start', reenter: true },
  },
  states: {
    standBy: { id: 'standBy' },
    beforeAll: {
      id: 'beforeAll',
      ...runsHooks('beforeAll'),
      always: { guard: 'beforeAllDone', target: 'discover', actions: 'resetStep' },
      on: { HookSucceeded: { guard: 'beforeAllHookDone', actions: 'nextStep' } },
    },
    discover: {
      id: 'discover',
      ...performs('discover'),
      on: {
        ModulesPlanned: {
          target: 'deleteModules',
          actions: assign(({ event }) => ({
            toDisable: event.toDisable,
            groups: event.groups,
            groupIndex: 0,
            pending: [...event.toDisable],
            lastError: undefined,
          })),
        },
        DiscoveryFailed: { actions: assign(({ event }) => ({ lastError: event.error })) },
      },
    },
    deleteModules: {
      id: 'deleteModules',
      ...performs('deleteModules'),
      always: {
        guard: 'nothingPending',
        target: 'runModules',
        actions: assign(({ context }) => ({ groupIndex: 0, pending: [...(context.groups[0] ?? [])] })),
      },
      on: { ModuleDeleted: { actions: 'settleModule' } },
    },
    runModules: {
      id: 'runModules',
      ...performs('runModules'),
      always: [
        { guard: 'moreGroups', actions: 'nextGroup', target: 'runModules', reenter: true },
        { guard: 'nothingPending', target: 'afterAll', actions: 'resetStep' },
      ],
      on: {
        ModuleReady: { actions: 'settleModule' },
        ModuleRunSkipped: { actions: 'settleModule' },
      },
    },
    afterAll: {
      id: 'afterAll',
      ...runsHooks('afterAll'),
      always: { guard: 'afterAllDone', target: 'finishing' },
      on: { HookSucceeded: { guard: 'afterAllHookDone', actions: 'nextStep' } },
    },
    finishing: {
      id: 'finishing',
      ...performs('complete'),
      on: {
        ConvergeCompleted: {
          target: 'standBy',
          actions: assign(({ context }) => ({ completed: context.completed + 1 })),
        },
      },
    },
  },
});
