import type { AnyStateMachine } from 'xstate';
import { escapeXml } from './html.js';
import { type DotOptions, toDot } from './statechart-export.js';
import { type Statechart, statechartOf } from './statechart-model.js';
import { type Graphviz, loadGraphviz } from './viz-loader.js';

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Graphviz's XML escapes in a `<title>` back to the DOT node name. */
const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(Number(code.slice(1)));
    return entities[code] ?? whole;
  });

/**
 * An SVG for inline use in a page (the HTML timeline), laid out by Graphviz from the machine's DOT:
 * no XML prolog or comments, Graphviz's element ids prefixed with the machine id (several charts
 * share one page), and each state's node or cluster marked `<g class="… state" data-state="NAME"
 * data-state-id="ID" data-ancestors="IDS">` so the page can highlight the current one.
 */
export function inlineStatechartSvg(
  graphviz: Graphviz,
  machine: AnyStateMachine,
  options: InlineSvgOptions = {},
): string {
  const chart = statechartOf(machine);
  const svg = graphviz.renderString(toDot(machine, options), { format: 'svg', engine: 'dot' });
  return markStates(chart, svg, options.idPrefix ?? chart.id);
}

export interface InlineSvgOptions extends DotOptions {
  /** Prefix of the SVG's element ids (default the machine id); unique per chart on a page. */
  idPrefix?: string;
}

/** The same as `inlineStatechartSvg`, loading Graphviz first (once per process). */
export async function renderStatechartSvg(
  machine: AnyStateMachine,
  options: InlineSvgOptions = {},
): Promise<string> {
  return inlineStatechartSvg(await loadGraphviz(), machine, options);
}

function markStates(chart: Statechart, svg: string, idPrefix: string): string {
  const byId = new Map(chart.states.map((s) => [s.id, s]));
  const ancestors = (id: string): string[] => {
    const list: string[] = [];
    for (let p = byId.get(id)?.parent; p; p = byId.get(p)?.parent) list.push(p);
    return list;
  };
  const prefix = escapeXml(idPrefix);
  const body = svg.slice(svg.indexOf('<svg'));
  return body
    .replace(/<!--[\s\S]*?-->\n?/g, '')
    .replace(/ xmlns:xlink="[^"]*"/, '')
    .replace(/^<svg /, `<svg class="statechart-svg" data-machine="${escapeXml(chart.id)}" `)
    .replace(
      /<g id="((?:node|clust)\d+)" class="(node|cluster)">\n<title>([^<]*)<\/title>/g,
      (whole, gid: string, kind: string, title: string) => {
        const name = unescapeXml(title);
        const s = byId.get(kind === 'cluster' ? name.replace(/^cluster_/, '') : name);
        if (!s) return whole.replace(`id="${gid}"`, `id="${prefix}-${gid}"`);
        const cls = s.children.length > 0 ? ' compound' : s.type === 'final' ? ' final' : '';
        return (
          `<g id="${prefix}-${gid}" class="${kind} state${cls}${s.parent === null ? ' root' : ''}" ` +
          `data-state="${escapeXml(s.name)}" data-state-id="${escapeXml(s.id)}" ` +
          `data-ancestors="${escapeXml(ancestors(s.id).join(' '))}">\n<title>${title}</title>`
        );
      },
    )
    .replace(/<g id="((?:graph|edge)\d+)"/g, `<g id="${prefix}-$1"`)
    .trim();
}
