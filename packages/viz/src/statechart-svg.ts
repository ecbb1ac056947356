import { escapeXml } from './html.js';
import type { ChartState, ChartTransition, Statechart } from './statechart-model.js';
import { transitionLabel } from './statechart-model.js';

/**
 * A dependency-free SVG of a statechart for inline use (the HTML timeline): nested boxes, children
 * of the root in a row, of the next level in a column, and so on; straight or bent arrows between
 * boxes. Each state is `<g class="state" data-state="NAME" data-state-id="ID">` so a page can
 * highlight the current one. Internal (targetless) transitions are not drawn.
 */
export function renderStatechartSvg(chart: Statechart, options: { idPrefix?: string } = {}): string {
  const layout = layoutChart(chart);
  const prefix = options.idPrefix ?? chart.id;
  const out: string[] = [];
  const root = layout.boxes.get(chart.root)!;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="statechart-svg" data-machine="${escapeXml(chart.id)}" ` +
      `viewBox="0 0 ${root.w + 2 * MARGIN} ${root.h + 2 * MARGIN}" width="${root.w + 2 * MARGIN}" height="${root.h + 2 * MARGIN}">`,
  );
  out.push(
    `<defs><marker id="${escapeXml(prefix)}-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>`,
  );
  out.push(`<g transform="translate(${MARGIN},${MARGIN})">`);
  const parents = new Map(chart.states.map((s) => [s.id, s.parent]));
  const ancestors = (id: string): string[] => {
    const out: string[] = [];
    for (let p = parents.get(id); p; p = parents.get(p)) out.push(p);
    return out;
  };
  for (const s of chart.states) out.push(stateSvg(s, layout.boxes.get(s.id)!, ancestors(s.id)));
  for (const s of chart.states) {
    if (!s.initial) continue;
    const b = layout.boxes.get(s.initial)!;
    out.push(
      `<circle class="initial" cx="${b.x - 8}" cy="${b.y - 8}" r="4"/>` +
        `<line class="edge" x1="${b.x - 6}" y1="${b.y - 6}" x2="${b.x}" y2="${b.y}" marker-end="url(#${escapeXml(prefix)}-arrow)"/>`,
    );
  }
  chart.transitions.forEach((t, i) => {
    if (t.target !== null) out.push(edgeSvg(layout, t, i, prefix));
  });
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

function layoutChart(chart: Statechart): { boxes: Map<string, Box> } {
  const byId = new Map(chart.states.map((s) => [s.id, s]));
  const sizes = new Map<string, { w: number; h: number }>();
  const horizontal = (s: ChartState) => (s.path.length % 2 === 0) as boolean;
  const size = (s: ChartState): { w: number; h: number } => {
    if (s.children.length === 0) {
      const r = { w: Math.max(96, s.name.length * charWidth + 24), h: LEAF_H };
      sizes.set(s.id, r);
      return r;
    }
    const kids = s.children.map((id) => size(byId.get(id)!));
    const along = kids.reduce((n, k) => n + (horizontal(s) ? k.w : k.h), 0) + GAP * (kids.length - 1);
    const across = Math.max(...kids.map((k) => (horizontal(s) ? k.h : k.w)));
    const r = horizontal(s)
      ? { w: along + 2 * PAD, h: across + 2 * PAD + HEADER }
      : { w: Math.max(across + 2 * PAD, s.name.length * charWidth + 2 * PAD), h: along + 2 * PAD + HEADER };
    sizes.set(s.id, r);
    return r;
  };
  const root = byId.get(chart.root)!;
  size(root);
  const boxes = new Map<string, Box>();
  const place = (s: ChartState, x: number, y: number) => {
    const { w, h } = sizes.get(s.id)!;
    boxes.set(s.id, { x, y, w, h });
    let cx = x + PAD;
    let cy = y + PAD + HEADER;
    for (const id of s.children) {
      const k = sizes.get(id)!;
      if (horizontal(s)) {
        place(byId.get(id)!, cx, cy + (h - PAD * 2 - HEADER - k.h) / 2);
        cx += k.w + GAP;
      } else {
        place(byId.get(id)!, cx + (w - PAD * 2 - k.w) / 2, cy);
        cy += k.h + GAP;
      }
    }
  };
  place(root, 0, 0);
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

/** Where the ray from the box's center towards (tx, ty) leaves the box. */
function border(b: Box, tx: number, ty: number): { x: number; y: number } {
  const c = center(b);
  const dx = tx - c.x;
  const dy = ty - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(
    dx === 0 ? Infinity : b.w / 2 / Math.abs(dx),
    dy === 0 ? Infinity : b.h / 2 / Math.abs(dy),
  );
  return { x: c.x + dx * scale, y: c.y + dy * scale };
}

function edgeSvg(
  layout: { boxes: Map<string, Box> },
  t: ChartTransition,
  index: number,
  prefix: string,
): string {
  const from = layout.boxes.get(t.source)!;
  const to = layout.boxes.get(t.target!)!;
  const label = escapeXml(transitionLabel(t));
  const data = `data-source="${escapeXml(t.source)}" data-target="${escapeXml(t.target!)}" data-index="${index}"`;
  const arrow = `marker-end="url(#${escapeXml(prefix)}-arrow)"`;
  let path: string;
  let lx: number;
  let ly: number;
  if (t.source === t.target || contains(to, from)) {
    // Into a state from inside it (a reentry, or a compound's own transition to an enclosing state): a hook on top.
    const x = to.x + to.w - 18;
    path = `M${x - 24},${to.y - 14} Q${x - 10},${to.y - 18} ${x},${to.y}`;
    lx = x - 26;
    ly = to.y - 16;
  } else if (contains(from, to)) {
    // A compound state's transition to one of its own descendants: a stub entering from the left.
    const y = to.y + to.h / 2;
    path = `M${to.x - 18},${y} L${to.x},${y}`;
    lx = to.x - 18;
    ly = y - 6;
  } else {
    const a = border(from, center(to).x, center(to).y);
    const b = border(to, center(from).x, center(from).y);
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const bend = Math.min(60, len / 5);
    const mx = (a.x + b.x) / 2 + ((b.y - a.y) / len) * bend;
    const my = (a.y + b.y) / 2 - ((b.x - a.x) / len) * bend;
    path = `M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}`;
    lx = (a.x + 2 * mx + b.x) / 4;
    ly = (a.y + 2 * my + b.y) / 4;
  }
  return (
    `<g class="edge-group" ${data}><title>${label}</title><path class="edge" d="${path}" ${arrow}/>` +
    `<text class="edge-label" x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="middle">${label}</text></g>`
  );
}
