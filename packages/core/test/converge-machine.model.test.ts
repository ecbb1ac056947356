import type { ConvergeEvent, HookDescriptor } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { initialTransition, type SnapshotFrom, transition } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import { convergeMachine } from '../src/machines/converge-machine.js';
import { nextConvergeStep } from '../src/machines/steps.js';

type Snap = SnapshotFrom<typeof convergeMachine>;
type E = ConvergeEvent;

const hooks: HookDescriptor[] = [
  { name: 'g-before', orders: { beforeAll: 1 }, kubernetes: [], schedule: [] },
  { name: 'g-after', orders: { afterAll: 1 }, kubernetes: [], schedule: [] },
];

let seq = 0;
const ev = (type: E['type'], fields: Record<string, unknown>) =>
  ({ seq: ++seq, at: '2026-01-01T00:00:00.000Z', v: 1, type, ...fields }) as unknown as E;

function eventsFor(s: Snap): E[] {
  const step = nextConvergeStep(s);
  const out: E[] = [ev('ConvergeStarted', { convergeId: 'c', reason: 'OperatorStartup' })];
  switch (step.kind) {
    case 'runHook':
      out.push(
        ev('HookSucceeded', {
          hook: step.hook,
          binding: step.binding,
          bindingNames: [step.binding],
          attempt: 1,
        }),
      );
      break;
    case 'discover':
      out.push(
        ev('ModulesPlanned', {
          convergeId: 'c',
          enabled: ['a', 'b', 'c'],
          groups: [['a', 'b'], ['c']],
          toEnable: [],
          toDisable: ['d'],
        }),
        ev('ModulesPlanned', { convergeId: 'c', enabled: [], groups: [], toEnable: [], toDisable: [] }),
        ev('DiscoveryFailed', { convergeId: 'c', error: 'enabled script failed' }),
      );
      break;
    case 'deleteModules':
      for (const m of step.modules) out.push(ev('ModuleDeleted', { module: m }));
      break;
    case 'runModules':
      for (const m of step.group)
        out.push(ev('ModuleReady', { module: m }), ev('ModuleRunSkipped', { module: m, reason: 'disabled' }));
      break;
    case 'complete':
      out.push(ev('ConvergeCompleted', { convergeId: 'c' }));
      break;
  }
  return out;
}

describe('converge statechart (model-based)', () => {
  const [s0] = initialTransition(convergeMachine);
  const start = transition(convergeMachine, s0, ev('GlobalHooksRegistered', { hooks }))[0];
  const adjacency = getAdjacencyMap(convergeMachine, {
    fromState: start,
    events: eventsFor,
    serializeState: (s) =>
      JSON.stringify([
        s.value,
        s.context.step,
        s.context.pending,
        s.context.groupIndex,
        s.context.completed > 0,
      ]),
    serializeEvent: (e) =>
      JSON.stringify([
        e.type,
        'module' in e ? e.module : undefined,
        'groups' in e ? e.groups.length : undefined,
      ]),
  });
  const taken = new Set<string>();
  for (const v of Object.values(adjacency)) {
    for (const [key, t] of Object.entries(v.transitions) as [string, { state: Snap }][])
      taken.add(`${String(v.state.value)} --${JSON.parse(key)[0]}--> ${String(t.state.value)}`);
  }

  it('reaches every state of the converge chart', () => {
    const reached = new Set(Object.values(adjacency).map((v) => String(v.state.value)));
    for (const key of Object.keys(convergeMachine.root.states)) expect(reached, key).toContain(key);
  });

  it('takes every transition between converge phases, restarts included', () => {
    const expected = [
      'standBy --ConvergeStarted--> beforeAll',
      'beforeAll --HookSucceeded--> discover',
      'discover --ModulesPlanned--> deleteModules',
      'discover --ModulesPlanned--> afterAll',
      'discover --DiscoveryFailed--> discover',
      'deleteModules --ModuleDeleted--> runModules',
      'runModules --ModuleReady--> runModules',
      'runModules --ModuleRunSkipped--> runModules',
      'runModules --ModuleReady--> afterAll',
      'afterAll --HookSucceeded--> finishing',
      'finishing --ConvergeCompleted--> standBy',
      'runModules --ConvergeStarted--> beforeAll',
      'discover --ConvergeStarted--> beforeAll',
      'afterAll --ConvergeStarted--> beforeAll',
    ];
    for (const t of expected) expect(taken, t).toContain(t);
  });

  it('runs groups in order: the second group starts only when the first is done', () => {
    let s = start;
    for (const e of [
      ev('ConvergeStarted', { convergeId: 'c', reason: 'OperatorStartup' }),
      ev('HookSucceeded', {
        hook: 'g-before',
        binding: 'beforeAll',
        bindingNames: ['beforeAll'],
        attempt: 1,
      }),
      ev('ModulesPlanned', {
        convergeId: 'c',
        enabled: ['a', 'b', 'c'],
        groups: [['a', 'b'], ['c']],
        toEnable: [],
        toDisable: [],
      }),
      ev('ModuleReady', { module: 'c' }),
      ev('ModuleReady', { module: 'a' }),
    ])
      s = transition(convergeMachine, s, e)[0];
    expect(nextConvergeStep(s)).toEqual({ kind: 'runModules', group: ['b'], groupIndex: 0 });
    s = transition(convergeMachine, s, ev('ModuleReady', { module: 'b' }))[0];
    expect(nextConvergeStep(s)).toEqual({ kind: 'runModules', group: ['c'], groupIndex: 1 });
  });
});
