import type { AnyStateMachine } from 'xstate';

/** The slice of an xstate state node that the export reads (kept structural so any machine fits). */
export interface MachineNode {
  id: string;
  key: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  path: string[];
  config: { id?: string };
  states: Record<string, MachineNode>;
  transitions: Map<string, MachineTransition[]>;
  always?: MachineTransition[];
  initial?: { target: readonly MachineNode[] };
  parent?: MachineNode;
}

interface MachineTransition {
  target: readonly MachineNode[] | undefined;
  guard?: unknown;
  reenter: boolean;
  eventType: string;
}

/** One state of a statechart, read off the machine definition. */
export interface ChartState {
  /** xstate's unique id: the explicit `id` when the state has one, else the dotted path. */
  id: string;
  /** Short name shown in diagrams: the explicit id, else the key (the machine id for the root). */
  name: string;
  key: string;
  path: string[];
  parent: string | null;
  type: MachineNode['type'];
  /** Id of the initial child of a compound state. */
  initial: string | null;
  children: string[];
}

/** One transition; `event` is null for an eventless (`always`) transition, `target` null for a targetless one. */
export interface ChartTransition {
  source: string;
  target: string | null;
  event: string | null;
  guard: string | null;
  reenter: boolean;
}

/** A statechart as plain data: every state node of the machine and every `on`/`always` transition. */
export interface Statechart {
  id: string;
  root: string;
  states: ChartState[];
  transitions: ChartTransition[];
}

const inlineGuardBody = /=>\s*([\s\S]+)$/;

/** A readable name for a guard: its type with params, or the body of an inline arrow function. */
export function guardLabel(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') {
    const body = inlineGuardBody.exec(guard.toString())?.[1]?.replace(/\s+/g, ' ').trim();
    if (body && body.length <= 60 && !body.startsWith('{')) return body;
    return guard.name && guard.name !== 'guard' ? guard.name : 'inline guard';
  }
  if (typeof guard === 'object' && 'type' in guard) {
    const { type, params } = guard as { type: unknown; params?: unknown };
    if (params && typeof params === 'object' && !Array.isArray(params)) {
      const args = Object.entries(params).map(
        ([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
      );
      return `${String(type)}(${args.join(', ')})`;
    }
    return String(type);
  }
  return 'guard';
}

function nodesOf(root: MachineNode): MachineNode[] {
  const out: MachineNode[] = [];
  const visit = (n: MachineNode) => {
    out.push(n);
    for (const child of Object.values(n.states)) visit(child);
  };
  visit(root);
  return out;
}

function transitionsOf(node: MachineNode): ChartTransition[] {
  const out: ChartTransition[] = [];
  const add = (list: readonly MachineTransition[], event: string | null) => {
    list.forEach((t, i) => {
      // An unguarded branch after guarded ones of the same event is the fallback.
      const guard = guardLabel(t.guard) ?? (i > 0 && list[i - 1].guard !== undefined ? 'else' : null);
      const targets = t.target && t.target.length > 0 ? t.target : [undefined];
      for (const target of targets) {
        out.push({ source: node.id, target: target?.id ?? null, event, guard, reenter: t.reenter });
      }
    });
  };
  for (const [event, list] of node.transitions) add(list, event);
  if (node.always) add(node.always, null);
  return out;
}

/**
 * Reads a machine's real definition (its `root` state node tree) into a Statechart: states in
 * document order with parents and initial children, then transitions in the order xstate holds them.
 */
export function statechartOf(machine: AnyStateMachine): Statechart {
  const root = machine.root as unknown as MachineNode;
  const nodes = nodesOf(root);
  const states = nodes.map(
    (n): ChartState => ({
      id: n.id,
      name: n === root ? n.id : (n.config.id ?? n.key),
      key: n.key,
      path: [...n.path],
      parent: n.parent?.id ?? null,
      type: n.type,
      initial: n.type === 'compound' ? (n.initial?.target[0]?.id ?? null) : null,
      children: Object.values(n.states).map((c) => c.id),
    }),
  );
  return { id: root.id, root: root.id, states, transitions: nodes.flatMap(transitionsOf) };
}

/** The label of a transition edge: `Event [guard]`; eventless transitions read `always [guard]`. */
export function transitionLabel(t: ChartTransition): string {
  const event = t.event ?? 'always';
  return t.guard ? `${event} [${t.guard}]` : event;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Identifiers for diagram languages, one per state: the short name when it is unique and a plain
 * identifier, else the state id with every other character turned into `_` (numbered if that collides).
 */
export function diagramIds(chart: Statechart): Map<string, string> {
  const count = new Map<string, number>();
  for (const s of chart.states) count.set(s.name, (count.get(s.name) ?? 0) + 1);
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const s of chart.states) {
    let name =
      count.get(s.name) === 1 && identifier.test(s.name) ? s.name : s.id.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(name)) name = `s_${name}`;
    let unique = name;
    for (let i = 2; used.has(unique); i++) unique = `${name}_${i}`;
    used.add(unique);
    out.set(s.id, unique);
  }
  return out;
}
