import { convergeMachine, moduleMachine, startupMachine } from '@converge/core';
import type { AnyStateMachine } from 'xstate';
import {
  type ChartState,
  type ChartTransition,
  diagramIds,
  type Statechart,
  statechartOf,
  transitionLabel,
} from './statechart-model.js';
import { loadGraphviz } from './viz-loader.js';

/** The engine's statecharts by the name the CLI's `--machine` flag takes. */
export const machines = {
  module: moduleMachine,
  converge: convergeMachine,
  startup: startupMachine,
} as const satisfies Record<string, AnyStateMachine>;

export type MachineName = keyof typeof machines;

export interface ExportOptions {
  /** Draw targetless (internal) transitions as self-loops; default true. */
  internal?: boolean;
}

const children = (chart: Statechart, s: ChartState) =>
  s.children.map((id) => chart.states.find((c) => c.id === id)!);

/** The innermost compound state that contains both ends of a transition (the root at worst). */
function scopeOf(chart: Statechart, t: ChartTransition): string {
  const byId = new Map(chart.states.map((s) => [s.id, s]));
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    for (let s = byId.get(id); s; s = s.parent ? byId.get(s.parent) : undefined) out.push(s.id);
    return out;
  };
  const ends = [t.source, t.target ?? t.source].map((id) => {
    const s = byId.get(id)!;
    // A compound end's own box is drawn inside its parent, so the scope starts one level up.
    return s.type === 'atomic' || s.type === 'final' || s.parent === null ? (s.parent ?? s.id) : s.parent;
  });
  const first = ancestors(ends[0]);
  const second = new Set(ancestors(ends[1]));
  return first.find((id) => second.has(id)) ?? chart.root;
}

const visible = (t: ChartTransition, options: ExportOptions) =>
  t.target !== null || options.internal !== false;

const mermaidText = (s: string) => s.replace(/[;#{}<>"\n]/g, ' ').trim();

/**
 * Mermaid `stateDiagram-v2` of a machine: the root and every compound state as a nested
 * `state X { … }` block, `[*]` for initial and final states, each edge labelled `Event [guard]`.
 */
export function toMermaid(machine: AnyStateMachine, options: ExportOptions = {}): string {
  const chart = statechartOf(machine);
  const ids = diagramIds(chart);
  const isCompound = (id: string) => chart.states.some((s) => s.id === id && s.children.length > 0);
  const edgesByScope = new Map<string, ChartTransition[]>();
  for (const t of chart.transitions) {
    if (!visible(t, options)) continue;
    const scope = scopeOf(chart, t);
    edgesByScope.set(scope, [...(edgesByScope.get(scope) ?? []), t]);
  }
  const lines = ['stateDiagram-v2'];
  const emit = (s: ChartState, depth: number) => {
    const pad = '  '.repeat(depth);
    const id = ids.get(s.id)!;
    if (s.children.length === 0) {
      lines.push(id === s.name ? `${pad}${id}` : `${pad}state "${mermaidText(s.name)}" as ${id}`);
      return;
    }
    lines.push(`${pad}state ${id} {`);
    if (s.initial) lines.push(`${pad}  [*] --> ${ids.get(s.initial)}`);
    for (const c of children(chart, s)) emit(c, depth + 1);
    for (const c of children(chart, s))
      if (c.type === 'final') lines.push(`${pad}  ${ids.get(c.id)} --> [*]`);
    for (const t of edgesByScope.get(s.id) ?? []) {
      if (t.target === null && isCompound(t.source)) continue;
      const target = ids.get(t.target ?? t.source);
      lines.push(`${pad}  ${ids.get(t.source)} --> ${target} : ${mermaidText(transitionLabel(t))}`);
    }
    lines.push(`${pad}}`);
  };
  emit(chart.states.find((s) => s.id === chart.root)!, 1);
  // A compound state's internal transitions (no target) would be self-loops on a cluster: notes instead.
  for (const s of chart.states) {
    const internal = chart.transitions.filter(
      (t) => t.source === s.id && t.target === null && isCompound(s.id),
    );
    if (internal.length === 0 || options.internal === false) continue;
    const text = internal.map((t) => mermaidText(transitionLabel(t))).join(', ');
    lines.push(`  note right of ${ids.get(s.id)} : internal ${text}`);
  }
  return `${lines.join('\n')}\n`;
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const initialOf = (id: string) => `__initial:${id}`;
const anyOf = (id: string) => `__any:${id}`;

export interface DotOptions extends ExportOptions {
  /** Graphviz rank direction; default `TB`. */
  rankdir?: 'TB' | 'LR';
}

/**
 * Graphviz DOT of a machine: compound states are clusters holding an initial pseudo-state (a dot)
 * that edges into the compound state attach to, and an `any` node that the compound state's own
 * transitions (taken from whichever child is active) leave from; final states are double circles.
 */
export function toDot(machine: AnyStateMachine, options: DotOptions = {}): string {
  const chart = statechartOf(machine);
  const byId = new Map(chart.states.map((s) => [s.id, s]));
  const isCompound = (id: string) => (byId.get(id)?.children.length ?? 0) > 0;
  const isWithin = (id: string, ancestor: string) => {
    for (let s = byId.get(id); s; s = s.parent ? byId.get(s.parent) : undefined)
      if (s.id === ancestor) return true;
    return false;
  };
  const edges = chart.transitions.filter((t) => visible(t, options));
  const hasOwnEdges = new Set(edges.map((t) => t.source));
  const lines = [
    `digraph ${dotString(chart.id)} {`,
    `  compound=true; rankdir=${options.rankdir ?? 'TB'}; fontname="Helvetica"; fontsize=12;`,
    '  node [shape=box, style="rounded", fontname="Helvetica", fontsize=11];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  const emit = (s: ChartState, depth: number) => {
    const pad = '  '.repeat(depth);
    if (s.children.length === 0) {
      const shape = s.type === 'final' ? ', shape=doublecircle, width=0.3' : '';
      lines.push(`${pad}${dotString(s.id)} [label=${dotString(s.name)}${shape}];`);
      return;
    }
    lines.push(`${pad}subgraph ${dotString(`cluster_${s.id}`)} {`);
    lines.push(`${pad}  label=${dotString(s.name)}; style="rounded";`);
    if (s.initial) lines.push(`${pad}  ${dotString(initialOf(s.id))} [shape=point, width=0.12, label=""];`);
    if (hasOwnEdges.has(s.id))
      lines.push(`${pad}  ${dotString(anyOf(s.id))} [shape=plaintext, label="any", fontsize=9];`);
    for (const c of children(chart, s)) emit(c, depth + 1);
    lines.push(`${pad}}`);
  };
  emit(byId.get(chart.root)!, 1);
  const into = (id: string) => (isCompound(id) ? initialOf(id) : id);
  for (const s of chart.states) {
    if (s.initial) lines.push(`  ${dotString(initialOf(s.id))} -> ${dotString(into(s.initial))};`);
  }
  for (const t of edges) {
    const target = t.target ?? t.source;
    const attrs = [`label=${dotString(transitionLabel(t))}`];
    if (t.target === null) attrs.push('style=dashed');
    const from = isCompound(t.source) ? anyOf(t.source) : t.source;
    const to = t.target === null ? from : into(target);
    if (isCompound(t.source) && !isWithin(target, t.source))
      attrs.push(`ltail=${dotString(`cluster_${t.source}`)}`);
    if (t.target !== null && isCompound(target) && !isWithin(t.source, target))
      attrs.push(`lhead=${dotString(`cluster_${target}`)}`);
    lines.push(`  ${dotString(from)} -> ${dotString(to)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The statechart as JSON text: `{ id, root, states: [...], transitions: [...] }` (see `Statechart`). */
export function toJson(machine: AnyStateMachine): string {
  return `${JSON.stringify(statechartOf(machine), null, 2)}\n`;
}

/**
 * SVG of a machine, laid out by Graphviz (`@viz-js/viz`, WebAssembly, no network). Rejects with
 * GraphvizUnavailableError when that package is not installed.
 */
export async function toSvg(machine: AnyStateMachine, options: DotOptions = {}): Promise<string> {
  const graphviz = await loadGraphviz();
  return graphviz.renderString(toDot(machine, options), { format: 'svg', engine: 'dot' });
}
