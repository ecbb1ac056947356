import type { ConvergeEvent, HookDescriptor } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { getAdjacencyMap, getSimplePaths } from 'xstate/graph';
import { moduleMachine } from '../src/machines/module-machine.js';
import { moduleStateName, nextModuleStep } from '../src/machines/steps.js';

type Snap = SnapshotFrom<typeof moduleMachine>;
type E = ConvergeEvent;

const hooks: HookDescriptor[] = [
  { name: 'hooks/start', orders: { onStartup: 1 }, kubernetes: [], schedule: [] },
  {
    name: 'hooks/watch',
    orders: { beforeDeleteHelm: 1 },
    kubernetes: [
      {
        name: 'pods',
        queue: 'main',
        executeHookOnSynchronization: true,
        waitForSynchronization: true,
        allowFailure: false,
      },
    ],
    schedule: [],
  },
  { name: 'hooks/before', orders: { beforeHelm: 1 }, kubernetes: [], schedule: [] },
  { name: 'hooks/after', orders: { afterHelm: 1, afterDeleteHelm: 1 }, kubernetes: [], schedule: [] },
];

let seq = 0;
const ev = <T extends E['type']>(
  type: T,
  fields: Omit<Extract<E, { type: T }>, 'type' | 'seq' | 'at' | 'v'>,
) => ({ seq: ++seq, at: '2026-01-01T00:00:00.000Z', v: 1, type, ...fields }) as unknown as E;

const start = () => {
  const [s0] = initialTransition(moduleMachine, { module: 'a', hasChart: true });
  return transition(moduleMachine, s0, ev('ModuleHooksRegistered', { module: 'a', hooks }))[0];
};

/** The events that can happen next in a snapshot, as the runtime would produce them. */
function eventsFor(s: Snap): E[] {
  const step = nextModuleStep(s);
  const attempt = Math.min(s.context.attempt + 1, 2);
  const out: E[] = [
    ev('ModuleRunStarted', { module: 'a', trigger: 't', doStartup: true, attempt, queue: 'main' }),
    ev('ModuleDeleteStarted', { module: 'a', attempt }),
  ];
  if (!s.context.registered) out.push(ev('ModuleHooksRegistered', { module: 'a', hooks }));
  const fail = (phase: string) => ev('ModuleFailed', { module: 'a', phase: phase as never, error: 'boom' });
  switch (step.kind) {
    case 'runHook':
      out.push(
        ev('HookSucceeded', {
          hook: step.hook,
          module: 'a',
          binding: step.binding,
          bindingNames: [step.binding],
          attempt: 1,
        }),
        fail(step.binding),
      );
      break;
    case 'synchronize':
      out.push(
        ev('SynchronizationCompleted', {
          hook: 'hooks/watch',
          module: 'a',
          bindingName: 'pods',
          executed: true,
        }),
        fail('synchronization'),
      );
      break;
    case 'helm':
      out.push(
        ev('HelmReleaseUpgraded', { module: 'a', release: 'a', revision: 1, checksum: 'c' }),
        ev('HelmUpgradeSkipped', { module: 'a', release: 'a', reason: 'unchanged' }),
        fail('helm'),
      );
      break;
    case 'finishRun':
      out.push(ev('ModuleReady', { module: 'a' }));
      break;
    case 'checkRelease':
      out.push(
        ev('HelmReleaseChecked', { module: 'a', release: 'a', exists: true }),
        ev('HelmReleaseChecked', { module: 'a', release: 'a', exists: false }),
        fail('checkRelease'),
      );
      break;
    case 'uninstall':
      out.push(ev('HelmReleaseUninstalled', { module: 'a', release: 'a' }), fail('uninstall'));
      break;
    case 'finishDelete':
      out.push(ev('ModuleDeleted', { module: 'a' }));
      break;
  }
  return out;
}

const serializeState = (s: Snap) =>
  JSON.stringify([
    moduleStateName(s),
    s.context.step,
    s.context.resumeFrom,
    s.context.syncDone.length,
    s.context.registered,
    s.context.attempt,
  ]);
const serializeEvent = (e: E) =>
  JSON.stringify([e.type, 'exists' in e ? e.exists : undefined, 'binding' in e ? e.binding : undefined]);

describe('module lifecycle statechart (model-based)', () => {
  const adjacency = getAdjacencyMap(moduleMachine, {
    fromState: start(),
    events: eventsFor,
    serializeState,
    serializeEvent,
  });
  const reached = new Set(Object.values(adjacency).map((v) => moduleStateName(v.state)));
  const taken = new Set<string>();
  for (const v of Object.values(adjacency)) {
    for (const [eventKey, t] of Object.entries(v.transitions) as [string, { state: Snap }][]) {
      const from = moduleStateName(v.state);
      const to = moduleStateName(t.state);
      if (from !== to || t.state.context.step !== v.state.context.step)
        taken.add(`${from} --${JSON.parse(eventKey)[0]}--> ${to}`);
    }
  }

  it('reaches every state of the module chart, beforeDeleteHelm included', () => {
    const ids = [
      'onStartup',
      'synchronization',
      'beforeHelm',
      'helm',
      'afterHelm',
      'ready',
      'runFailed',
      'checkRelease',
      'beforeDeleteHelm',
      'uninstall',
      'afterDeleteHelm',
      'deleteFailed',
      'deleted',
    ];
    for (const id of ids) expect(reached, id).toContain(id);
    // Every atomic state node of the real machine, found by walking it (a new state must be reached too).
    const nodes: { type: string; id: string; key: string; states: Record<string, unknown> }[] = [];
    const walk = (n: { type: string; id: string; key: string; states: Record<string, unknown> }) => {
      nodes.push(n);
      for (const c of Object.values(n.states)) walk(c as typeof n);
    };
    walk(moduleMachine.root as unknown as (typeof nodes)[number]);
    const leafIds = nodes
      .filter((n) => n.type === 'atomic')
      .map((n) => (n.id === 'runFailed' || n.id === 'deleteFailed' ? n.id : n.key));
    for (const id of leafIds)
      if (id !== 'disabled') expect(reached, `state ${id} is never reached`).toContain(id);
  });

  it('takes every transition the chart defines between its steps', () => {
    const expected = [
      'onStartup --HookSucceeded--> synchronization',
      'synchronization --SynchronizationCompleted--> beforeHelm',
      'beforeHelm --HookSucceeded--> helm',
      'helm --HelmReleaseUpgraded--> afterHelm',
      'helm --HelmUpgradeSkipped--> afterHelm',
      'afterHelm --ModuleReady--> ready',
      'afterHelm --ModuleRunStarted--> beforeHelm',
      'ready --ModuleRunStarted--> beforeHelm',
      'onStartup --ModuleFailed--> runFailed',
      'synchronization --ModuleFailed--> runFailed',
      'beforeHelm --ModuleFailed--> runFailed',
      'helm --ModuleFailed--> runFailed',
      'runFailed --ModuleRunStarted--> onStartup',
      'runFailed --ModuleRunStarted--> synchronization',
      'runFailed --ModuleRunStarted--> beforeHelm',
      'ready --ModuleDeleteStarted--> checkRelease',
      'checkRelease --HelmReleaseChecked--> beforeDeleteHelm',
      'checkRelease --HelmReleaseChecked--> afterDeleteHelm',
      'beforeDeleteHelm --HookSucceeded--> uninstall',
      'beforeDeleteHelm --ModuleFailed--> deleteFailed',
      'uninstall --HelmReleaseUninstalled--> afterDeleteHelm',
      'uninstall --ModuleFailed--> deleteFailed',
      'afterDeleteHelm --ModuleDeleted--> deleted',
      'afterDeleteHelm --ModuleFailed--> deleteFailed',
      'deleteFailed --ModuleDeleteStarted--> checkRelease',
      'deleteFailed --ModuleRunStarted--> beforeHelm',
      'deleted --ModuleRunStarted--> onStartup',
    ];
    for (const t of expected) expect(taken, t).toContain(t);
  });

  it('every simple path of the delete sub-chart uninstalls only after beforeDeleteHelm succeeded', () => {
    const [s0] = initialTransition(moduleMachine, { module: 'a', hasChart: true });
    const registered = transition(moduleMachine, s0, ev('ModuleHooksRegistered', { module: 'a', hooks }))[0];
    const deleting = transition(
      moduleMachine,
      registered,
      ev('ModuleDeleteStarted', { module: 'a', attempt: 1 }),
    )[0];
    const deleteEvents = (s: Snap) => eventsFor(s).filter((e) => e.type !== 'ModuleRunStarted');
    const paths = getSimplePaths(moduleMachine, {
      fromState: deleting,
      events: deleteEvents,
      serializeState,
      serializeEvent,
      toState: (s) => moduleStateName(s) === 'deleted',
    });
    // Success with a release, success without one, and each failure point followed by a retry.
    expect(paths.length).toBeGreaterThanOrEqual(8);
    const shapes = new Set<string>();
    for (const p of paths) {
      const names = p.steps.map((st) => moduleStateName(st.state));
      const types = p.steps.map((st) => st.event.type);
      shapes.add(names.join('>'));
      types.forEach((type, u) => {
        if (type !== 'HelmReleaseUninstalled') return;
        // The attempt that uninstalls checked the release and ran beforeDeleteHelm successfully before it.
        const check = types.slice(0, u).lastIndexOf('HelmReleaseChecked');
        const start = types.slice(0, u).lastIndexOf('ModuleDeleteStarted');
        expect(check).toBeGreaterThan(start);
        const between = p.steps.slice(check + 1, u);
        expect(
          between.some(
            (st) =>
              st.event.type === 'HookSucceeded' &&
              'binding' in st.event &&
              st.event.binding === 'beforeDeleteHelm',
          ),
        ).toBe(true);
        expect(between.some((st) => st.event.type === 'ModuleFailed')).toBe(false);
      });
      expect(names.at(-1)).toBe('deleted');
    }
    expect([...shapes].some((s) => s.includes('beforeDeleteHelm>uninstall'))).toBe(true);
    expect([...shapes].some((s) => s.includes('checkRelease>afterDeleteHelm'))).toBe(true);
    for (const failedIn of ['checkRelease', 'beforeDeleteHelm', 'uninstall', 'afterDeleteHelm'])
      expect(
        [...shapes].some((s) => s.includes(`${failedIn}>deleteFailed`)),
        failedIn,
      ).toBe(true);
  });
});
