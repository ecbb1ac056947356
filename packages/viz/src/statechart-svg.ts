import { escapeXml } from './html.js';
import type { ChartState, ChartTransition, Statechart } from './statechart-model.js';
import { transitionLabel } from './statechart-model.js';

/**
 * A dependency-free SVG of a statechart for inline use (the HTML timeline): nested boxes, children
 * of the root in a row, of the next level in a column, and so on; arrows between boxes, bent around
 * the boxes they would cross. Each state is `<g class="state" data-state="NAME" data-state-id="ID">`
 * so a page can highlight the current one. Internal (targetless) transitions are not drawn.
 */
export function renderStatechartSvg(chart: Statechart, options: { idPrefix?: string } = {}): string {
  const layout = layoutChart(chart);
  const marker = `${escapeXml(options.idPrefix ?? chart.id)}-arrow`;
  const root = layout.boxes.get(chart.root)!;
  const [w, h] = [root.w + 2 * MARGIN, root.h + 2 * MARGIN];
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart-svg" data-machine="${escapeXml(chart.id)}" ` +
      `viewBox="0 0 ${w} ${h}" width="${w}" height="${h}">`,
    `<defs><marker id="${marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ` +
      `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`,
    `<g transform="translate(${MARGIN},${MARGIN})">`,
  ];
  const parents = new Map(chart.states.map((s) => [s.id, s.parent]));
  const ancestors = (id: string): string[] => {
    const list: string[] = [];
    for (let p = parents.get(id); p; p = parents.get(p)) list.push(p);
    return list;
  };
  for (const s of chart.states) out.push(stateSvg(s, layout.boxes.get(s.id)!, ancestors(s.id)));
  for (const s of chart.states) {
    if (!s.initial) continue;
    const b = layout.boxes.get(s.initial)!;
    out.push(
      `<circle class="initial" cx="${b.x - 8}" cy="${b.y - 8}" r="4"/>` +
        `<line class="edge" x1="${b.x - 6}" y1="${b.y - 6}" x2="${b.x}" y2="${b.y}" marker-end="url(#${marker})"/>`,
    );
  }
  // Transitions between the same two states share one arrow with one label line each.
  const pairs = new Map<string, { t: ChartTransition; labels: string[] }>();
  for (const t of chart.transitions) {
    if (t.target === null) continue;
    const key = `${t.source}\u0000${t.target}`;
    const pair = pairs.get(key) ?? { t, labels: [] };
    pair.labels.push(transitionLabel(t));
    pairs.set(key, pair);
  }
  const atomic = chart.states.filter((s) => s.children.length === 0).map((s) => layout.boxes.get(s.id)!);
  for (const { t, labels } of pairs.values()) out.push(edgeSvg(layout, atomic, t, labels, marker));
  out.push('</g></svg>');
  return out.join('\n');
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const MARGIN = 12;
const LEAF_H = 30;
const PAD = 22;
const HEADER = 20;
const GAP = 44;
const charWidth = 7;
const labelCharWidth = 4.8;
const LINE_H = 10;
const STUB = 14;

/** The visible label of the stub into each state that an enclosing state's own transitions target. */
function stubLabels(chart: Statechart): Map<string, string> {
  const parent = new Map(chart.states.map((s) => [s.id, s.parent]));
  const isAncestor = (a: string, id: string) => {
    for (let p = parent.get(id); p; p = parent.get(p)) if (p === a) return true;
    return false;
  };
  const events = new Map<string, Set<string>>();
  for (const t of chart.transitions) {
    if (t.target === null || !isAncestor(t.source, t.target)) continue;
    const set = events.get(t.target) ?? new Set<string>();
    set.add(t.event ?? 'always');
    events.set(t.target, set);
  }
  return new Map([...events].map(([id, set]) => [id, [...set].join(', ')]));
}

function layoutChart(chart: Statechart): { boxes: Map<string, Box> } {
  const byId = new Map(chart.states.map((s) => [s.id, s]));
  const sizes = new Map<string, { w: number; h: number }>();
  const horizontal = (s: ChartState) => s.path.length % 2 === 0;
  // In a row, the gap between two boxes holds the label of the widest arrow between children.
  const rowGap = (s: ChartState) => {
    const inside = new Set(s.children);
    const widest = chart.transitions
      .filter(
        (t) => t.target !== null && t.source !== t.target && inside.has(t.source) && inside.has(t.target),
      )
      .reduce((n, t) => Math.max(n, transitionLabel(t).length * labelCharWidth + 16), GAP);
    return Math.min(170, widest);
  };
  // Room left of a state for the stub arrow (and its label) of an enclosing state's own transition.
  const stubs = stubLabels(chart);
  const stubRoom = (id: string) => {
    const label = stubs.get(id);
    return label ? label.length * labelCharWidth + STUB + 8 : 0;
  };
  const gaps = new Map<string, number[]>();
  const size = (s: ChartState): { w: number; h: number } => {
    if (s.children.length === 0) {
      const r = { w: Math.max(96, s.name.length * charWidth + 24), h: LEAF_H };
      sizes.set(s.id, r);
      return r;
    }
    // gaps[i] is the space before child i (the lead before the first one).
    const row = horizontal(s) ? rowGap(s) : GAP;
    const before = s.children.map((id, i) =>
      horizontal(s)
        ? i === 0
          ? Math.max(0, stubRoom(id) - PAD)
          : Math.max(row, stubRoom(id))
        : i === 0
          ? 0
          : GAP,
    );
    gaps.set(s.id, before);
    const kids = s.children.map((id) => size(byId.get(id)!));
    const along =
      kids.reduce((n, k) => n + (horizontal(s) ? k.w : k.h), 0) + before.reduce((n, g) => n + g, 0);
    // A column is centred, so a stub's room on the left is matched on the right.
    const across = Math.max(
      ...kids.map((k, i) => (horizontal(s) ? k.h : k.w + 2 * Math.max(0, stubRoom(s.children[i]) - PAD))),
    );
    const r = horizontal(s)
      ? { w: along + 2 * PAD, h: across + 2 * PAD + HEADER }
      : { w: Math.max(across + 2 * PAD, s.name.length * charWidth + 2 * PAD), h: along + 2 * PAD + HEADER };
    sizes.set(s.id, r);
    return r;
  };
  size(byId.get(chart.root)!);
  const boxes = new Map<string, Box>();
  const place = (s: ChartState, x: number, y: number) => {
    const { w, h } = sizes.get(s.id)!;
    boxes.set(s.id, { x, y, w, h });
    let cx = x + PAD;
    let cy = y + PAD + HEADER;
    s.children.forEach((id, i) => {
      const k = sizes.get(id)!;
      if (horizontal(s)) {
        cx += gaps.get(s.id)![i];
        place(byId.get(id)!, cx, cy + (h - PAD * 2 - HEADER - k.h) / 2);
        cx += k.w;
      } else {
        cy += gaps.get(s.id)![i];
        place(byId.get(id)!, cx + (w - PAD * 2 - k.w) / 2, cy);
        cy += k.h;
      }
    });
  };
  place(byId.get(chart.root)!, 0, 0);
  return { boxes };
}

function stateSvg(s: ChartState, b: Box, ancestors: string[]): string {
  const cls = s.children.length > 0 ? 'state compound' : s.type === 'final' ? 'state final' : 'state';
  const attrs =
    `class="${cls}${s.parent === null ? ' root' : ''}" data-state="${escapeXml(s.name)}" ` +
    `data-state-id="${escapeXml(s.id)}" data-ancestors="${escapeXml(ancestors.join(' '))}"`;
  const rect = `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="${s.children.length ? 10 : 14}"/>`;
  const label =
    s.children.length > 0
      ? `<text x="${b.x + 10}" y="${b.y + 16}" class="compound-label">${escapeXml(s.name)}</text>`
      : `<text x="${b.x + b.w / 2}" y="${b.y + b.h / 2 + 4}" text-anchor="middle">${escapeXml(s.name)}</text>`;
  return `<g ${attrs}><title>${escapeXml(s.id)}</title>${rect}${label}</g>`;
}

const center = (b: Box) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });
const contains = (outer: Box, inner: Box) =>
  inner.x >= outer.x &&
  inner.y >= outer.y &&
  inner.x + inner.w <= outer.x + outer.w &&
  inner.y + inner.h <= outer.y + outer.h;
const inside = (b: Box, x: number, y: number) => x > b.x && x < b.x + b.w && y > b.y && y < b.y + b.h;

/** Where the ray from the box's center towards (tx, ty) leaves the box. */
function border(b: Box, tx: number, ty: number): { x: number; y: number } {
  const c = center(b);
  const dx = tx - c.x;
  const dy = ty - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(
    dx === 0 ? Number.POSITIVE_INFINITY : b.w / 2 / Math.abs(dx),
    dy === 0 ? Number.POSITIVE_INFINITY : b.h / 2 / Math.abs(dy),
  );
  return { x: c.x + dx * scale, y: c.y + dy * scale };
}

/** How far the curve must bow out to pass the atomic boxes that the straight line would cross. */
function bendFor(a: { x: number; y: number }, b: { x: number; y: number }, obstacles: Box[]): number {
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  let clear = 0;
  for (const box of obstacles) {
    for (let i = 1; i < 20; i++) {
      if (inside(box, a.x + ((b.x - a.x) * i) / 20, a.y + ((b.y - a.y) * i) / 20)) {
        // Half the box across the line's direction, plus room for the label; a quadratic bows half its offset.
        const across = (Math.abs(b.y - a.y) * box.w + Math.abs(b.x - a.x) * box.h) / (2 * len);
        clear = Math.max(clear, 2 * (across + 12));
        break;
      }
    }
  }
  return Math.min(200, Math.max(clear, Math.min(60, len / 5)));
}

function edgeSvg(
  layout: { boxes: Map<string, Box> },
  atomic: Box[],
  t: ChartTransition,
  allLabels: string[],
  marker: string,
): string {
  let labels = allLabels;
  const from = layout.boxes.get(t.source)!;
  const to = layout.boxes.get(t.target!)!;
  const data = `data-source="${escapeXml(t.source)}" data-target="${escapeXml(t.target!)}"`;
  let path: string;
  let lx: number;
  let ly: number;
  let anchor = 'middle';
  const title = escapeXml(labels.join('\n'));
  if (t.source === t.target || contains(to, from)) {
    // Into a state from inside it (a reentry): a hook over its top right corner.
    const x = to.x + to.w - 18;
    path = `M${x - 24},${to.y - 14} Q${x - 10},${to.y - 18} ${x},${to.y}`;
    lx = x - 26;
    ly = to.y - 16 - (labels.length - 1) * LINE_H;
  } else if (contains(from, to)) {
    // A compound state's own transition to one of its descendants: a stub entering from the left,
    // labelled with the event names (the guards are in the tooltip).
    const y = to.y + to.h / 2;
    path = `M${to.x - STUB},${y} L${to.x},${y}`;
    lx = to.x - STUB - 3;
    ly = y + 3;
    anchor = 'end';
    labels = [...new Set(labels.map((l) => l.replace(/ \[.*$/, '')))];
  } else {
    const a = border(from, center(to).x, center(to).y);
    const b = border(to, center(from).x, center(from).y);
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const bend = bendFor(
      a,
      b,
      atomic.filter((box) => box !== from && box !== to),
    );
    const mx = (a.x + b.x) / 2 + ((b.y - a.y) / len) * bend;
    const my = (a.y + b.y) / 2 - ((b.x - a.x) / len) * bend;
    path = `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
    lx = (a.x + 2 * mx + b.x) / 4;
    ly = (a.y + 2 * my + b.y) / 4 - 3 - ((labels.length - 1) * LINE_H) / 2;
  }
  const lines = labels
    .map((l, i) => `<tspan x="${lx.toFixed(1)}" dy="${i === 0 ? 0 : LINE_H}">${escapeXml(l)}</tspan>`)
    .join('');
  return (
    `<g class="edge-group" ${data}><title>${title}</title>` +
    `<path class="edge" d="${path}" marker-end="url(#${marker})"/>` +
    `<text class="edge-label" x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="${anchor}">${lines}</text></g>`
  );
}
