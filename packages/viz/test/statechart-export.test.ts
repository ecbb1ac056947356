import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import {
  guardLabel,
  type MachineName,
  machines,
  type Statechart,
  statechartOf,
  toDot,
  toJson,
  toMermaid,
  toSvg,
} from '../src/index.js';

/** A state node as xstate builds it; walked here independently of the export. */
interface Node {
  id: string;
  key: string;
  config: { id?: string };
  parent?: Node;
  states: Record<string, Node>;
  transitions: Map<string, { target?: readonly Node[] }[]>;
  always?: { target?: readonly Node[] }[];
}

function nodesOf(machine: { root: unknown }): Node[] {
  const out: Node[] = [];
  const visit = (n: Node) => {
    out.push(n);
    for (const c of Object.values(n.states)) visit(c);
  };
  visit(machine.root as Node);
  return out;
}

function transitionCount(machine: { root: unknown }): number {
  let n = 0;
  for (const node of nodesOf(machine)) {
    for (const list of node.transitions.values())
      n += list.reduce((k, t) => k + Math.max(1, t.target?.length ?? 0), 0);
    n += node.always?.length ?? 0;
  }
  return n;
}

const shortName = (n: Node) => (n.parent ? (n.config.id ?? n.key) : n.id);
const names = Object.keys(machines) as MachineName[];

/** Whether the Mermaid text declares this state, plainly or as `state "name" as id`. */
function declaresInMermaid(mermaid: string, name: string): boolean {
  return mermaid
    .split('\n')
    .map((l) => l.trim())
    .some((l) => l === name || l === `state ${name} {` || l.startsWith(`state "${name}" as `));
}

/** A small structural check of DOT: balanced braces and every edge end declared as a node. */
function checkDot(dot: string): string[] {
  const problems: string[] = [];
  const withoutStrings = dot.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  let depth = 0;
  for (const ch of withoutStrings) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    if (depth < 0) problems.push('unbalanced }');
  }
  if (depth !== 0) problems.push(`unclosed braces: ${depth}`);
  const declared = new Set([...dot.matchAll(/^\s*("(?:[^"\\]|\\.)*") \[/gm)].map((m) => m[1]));
  for (const m of dot.matchAll(/^\s*("(?:[^"\\]|\\.)*") -> ("(?:[^"\\]|\\.)*")/gm)) {
    for (const end of [m[1], m[2]]) if (!declared.has(end)) problems.push(`undeclared node ${end}`);
  }
  return problems;
}

describe('statechart export walks the real machines', () => {
  it.each(names)(
    'the %s export holds every state node of the machine, with ids, parents and initial',
    (name) => {
      const machine = machines[name];
      const nodes = nodesOf(machine);
      const idMap = (machine as unknown as { idMap: Map<string, Node> }).idMap;
      // The independent walk and xstate's own id map agree, so neither misses a state.
      expect(new Set(nodes.map((n) => n.id))).toEqual(new Set(idMap.keys()));
      const chart: Statechart = JSON.parse(toJson(machine));
      expect(chart.states.map((s) => s.id).sort()).toEqual([...idMap.keys()].sort());
      for (const n of nodes) {
        const s = chart.states.find((x) => x.id === n.id)!;
        expect(s.parent).toBe(n.parent?.id ?? null);
        expect(s.name).toBe(shortName(n));
      }
      expect(chart.transitions).toHaveLength(transitionCount(machine));
      const mermaid = toMermaid(machine);
      const dot = toDot(machine);
      for (const n of nodes) {
        expect(declaresInMermaid(mermaid, shortName(n)), `${name}: ${n.id} in Mermaid`).toBe(true);
        const inDot = Object.keys(n.states).length > 0 ? `"cluster_${n.id}"` : `"${n.id}" [label=`;
        expect(dot, `${name}: ${n.id} in DOT`).toContain(inDot);
      }
    },
  );

  it('the module chart has the state ids the README statechart shows, compound running/deleting and the failure states', () => {
    const chart = statechartOf(machines.module);
    const byName = new Map(chart.states.map((s) => [s.name, s]));
    for (const id of [
      'onStartup',
      'synchronization',
      'beforeHelm',
      'helm',
      'afterHelm',
      'ready',
      'beforeDeleteHelm',
      'uninstall',
      'afterDeleteHelm',
      'deleted',
      'disabled',
      'runFailed',
      'deleteFailed',
      'checkRelease',
    ])
      expect(byName.has(id), id).toBe(true);
    expect(byName.get('running')!.type).toBe('compound');
    expect(byName.get('running')!.initial).toBe('onStartup');
    expect(byName.get('deleting')!.initial).toBe('checkRelease');
    expect(byName.get('beforeDeleteHelm')!.parent).toBe(byName.get('deleting')!.id);
    expect(chart.transitions).toContainEqual({
      source: 'checkRelease',
      target: 'beforeDeleteHelm',
      event: 'HelmReleaseChecked',
      guard: 'releaseExists',
      reenter: false,
    });
    expect(chart.transitions).toContainEqual({
      source: 'beforeDeleteHelm',
      target: 'uninstall',
      event: null,
      guard: 'allDone(binding=beforeDeleteHelm)',
      reenter: false,
    });
  });
});

describe('Mermaid', () => {
  const mermaid = toMermaid(machines.module);

  it('is a stateDiagram-v2 with compound states nested and beforeDeleteHelm inside deleting', () => {
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    const lines = mermaid.split('\n');
    const open = lines.findIndex((l) => l.trim() === 'state deleting {');
    const close = lines.findIndex((l, i) => i > open && l === lines[open].replace('state deleting {', '}'));
    expect(open).toBeGreaterThan(0);
    const block = lines.slice(open, close).map((l) => l.trim());
    expect(block).toContain('beforeDeleteHelm');
    expect(block).toContain('[*] --> checkRelease');
    expect(mermaid).toContain('state running {');
  });

  it('labels edges with events, guards and eventless transitions', () => {
    expect(mermaid).toContain('checkRelease --> beforeDeleteHelm : HelmReleaseChecked [releaseExists]');
    expect(mermaid).toContain('running --> onStartup : ModuleRunStarted [resumesAt(at=onStartup)]');
    expect(mermaid).toContain('checkRelease --> afterDeleteHelm : HelmReleaseChecked [else]');
    expect(mermaid).toContain('onStartup --> synchronization : always [startupSkipped]');
    expect(mermaid).toContain('afterDeleteHelm --> deleted : ModuleDeleted');
    expect(mermaid).toContain('module --> deleting : ModuleDeleteStarted');
    expect(mermaid).toContain('running --> runFailed : ModuleFailed');
    expect(mermaid).toContain('note right of running : internal SynchronizationCompleted');
    expect(toMermaid(machines.module, { internal: false })).not.toContain('SynchronizationCompleted');
  });

  it('gives duplicate state names distinct identifiers and marks final states', () => {
    const m = createMachine({
      id: 'dup',
      initial: 'a',
      states: {
        a: { initial: 'failed', states: { failed: { on: { GO: '#dup.b' } } } },
        b: { initial: 'failed', states: { failed: { type: 'final' } } },
      },
    });
    const text = toMermaid(m);
    expect(text).toContain('state "failed" as dup_a_failed');
    expect(text).toContain('state "failed" as dup_b_failed');
    expect(text).toContain('dup_a_failed --> b : GO');
    expect(text).toContain('dup_b_failed --> [*]');
  });
});

describe('DOT and SVG', () => {
  it.each(names)('the %s DOT is well formed: balanced clusters, every edge end declared', (name) => {
    const dot = toDot(machines[name]);
    expect(dot.startsWith(`digraph "${name}" {`)).toBe(true);
    expect(checkDot(dot)).toEqual([]);
  });

  it('draws a compound state’s own transitions from its "any" node, clipped to the cluster', () => {
    const dot = toDot(machines.module);
    expect(dot).toContain('"__any:module.running" -> "runFailed" [label="ModuleFailed"]');
    expect(dot).toContain(
      '"__any:module" -> "__initial:module.deleting" [label="ModuleDeleteStarted", lhead="cluster_module.deleting"]',
    );
    expect(dot).toContain('"__initial:module.deleting" -> "checkRelease"');
  });

  it('guard labels: named, parameterised, inline and missing', () => {
    expect(guardLabel(undefined)).toBeNull();
    expect(guardLabel('noChart')).toBe('noChart');
    expect(guardLabel({ type: 'allDone', params: { binding: 'afterHelm' } })).toBe(
      'allDone(binding=afterHelm)',
    );
    expect(guardLabel(({ event }: { event: { ok: boolean } }) => event.ok)).toBe('event.ok');
  });

  it.each(names)('Graphviz renders the %s DOT to an SVG naming every state', async (name) => {
    const svg = await toSvg(machines[name]);
    expect(svg).toContain('<svg');
    for (const s of statechartOf(machines[name]).states) expect(svg).toContain(`>${s.name}</text>`);
  });
});

describe('named guards', () => {
  it.each(names)(
    'every guard of the %s chart has a name (no inline function bodies in the diagrams)',
    (name) => {
      for (const t of statechartOf(machines[name]).transitions)
        if (t.guard !== null)
          expect(t.guard, `${t.source} ${t.event}`).toMatch(/^(else|[A-Za-z]\w*(\(.*\))?)$/);
    },
  );
});
