import type { ConvergeEvent } from '@converge/protocol';
import { describeEvent, isFailure } from './event-summary.js';
import { escapeXml as esc, scriptJson } from './html.js';
import { machines } from './statechart-export.js';
import { inlineStatechartSvg } from './statechart-svg.js';
import { timelineCss, timelineScript } from './timeline-assets.js';
import { renderAxis, renderLanes } from './timeline-lanes.js';
import { GLOBAL_LANE, laneOf, layoutTimeline } from './timeline-layout.js';
import { buildStateTable, type StateTable } from './timeline-state.js';
import { type Graphviz, loadGraphviz } from './viz-loader.js';

export interface TimelineOptions {
  /** Page title; default `converge timeline` with the run id. */
  title?: string;
  /** Pixels per event on the time axis; default 16. */
  slot?: number;
}

/** What the page embeds as JSON in `<script id="timeline-data">`, for its own script and for tests. */
export interface TimelineData {
  lanes: string[];
  events: ConvergeEvent[];
  /** x of each event on the lanes, in the order of `events`. */
  x: number[];
  /** The engine state after each event (row `i` follows `events[i]`). */
  states: StateTable;
}

/**
 * One self-contained HTML page (inline CSS, script and SVG; nothing fetched) showing an event log:
 * the statecharts with the current states highlighted, a swimlane per module and one for global
 * hooks (`[data-lane]`), one `#event-list` row per event (`[data-seq]`), and `#state-panel`, which
 * shows the engine state after the clicked event, folded at render time with `applyEvent`. The
 * statecharts are laid out by Graphviz (`@viz-js/viz`, loaded once); rejects with
 * GraphvizUnavailableError when it cannot be loaded.
 */
export async function renderTimeline(
  log: readonly ConvergeEvent[],
  options: TimelineOptions = {},
): Promise<string> {
  const graphviz = await loadGraphviz();
  const events = [...log].sort((a, b) => a.seq - b.seq);
  const layout = layoutTimeline(events, { slot: options.slot });
  const data: TimelineData = {
    lanes: layout.lanes,
    events,
    x: events.map((e) => layout.x.get(e.seq)!),
    states: buildStateTable(events),
  };
  const runId = events.find((e) => e.type === 'EngineStarted')?.runId;
  const title = options.title ?? `converge timeline${runId ? ` — ${runId}` : ''}`;
  const modules = layout.lanes.filter((l) => l !== GLOBAL_LANE);
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${timelineCss}</style></head>`,
    '<body>',
    `<header><h1>${esc(title)}</h1>${summary(events, modules)}</header>`,
    statechartSection(graphviz, modules),
    '<section><h2>Timeline</h2><div id="timeline"><div id="lanes">',
    renderAxis(layout),
    renderLanes(events, layout),
    '<div id="cursor"></div></div></div></section>',
    '<div id="bottom"><section style="padding:0"><h2>Events</h2>',
    `<ol id="event-list">${events.map(eventRow).join('\n')}</ol></section>`,
    '<aside id="state-panel"><p>Click an event to see the engine state after it.</p></aside></div>',
    `<script type="application/json" id="timeline-data">${scriptJson(data)}</script>`,
    `<script>${timelineScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}

function summary(events: ConvergeEvent[], modules: string[]): string {
  const failures = events.filter(isFailure).length;
  const retries = events.filter((e) => e.type === 'RetryScheduled').length;
  const first = events[0];
  const last = events[events.length - 1];
  const parts = [
    `<span>${events.length} events</span>`,
    first ? `<span>seq ${first.seq}–${last.seq}</span>` : '',
    first ? `<span>${esc(first.at)} → ${esc(last.at)}</span>` : '',
    `<span>${modules.length} modules</span>`,
    `<span class="${failures > 0 ? 'failures' : ''}">${failures} failures</span>`,
    `<span>${retries} retries</span>`,
  ];
  return `<div class="summary">${parts.join('')}</div>`;
}

function statechartSection(graphviz: Graphviz, modules: string[]): string {
  const options = modules.map((m) => `<option value="${esc(m)}">${esc(m)}</option>`).join('');
  const figures = (['module', 'converge', 'startup'] as const)
    .map(
      (name) =>
        `<figure data-machine="${name}"><figcaption>${name}</figcaption>` +
        `${inlineStatechartSvg(graphviz, machines[name])}</figure>`,
    )
    .join('\n');
  return (
    '<section><h2>Statecharts</h2>' +
    `<label>module <select id="statechart-module">${options}</select></label>` +
    `<div id="statechart">${figures}</div></section>`
  );
}

function eventRow(e: ConvergeEvent): string {
  const lane = laneOf(e);
  return (
    `<li data-seq="${e.seq}" data-type="${e.type}" data-lane-of="${esc(lane)}"${isFailure(e) ? ' class="failure"' : ''}>` +
    `<span class="seq">#${e.seq}</span> <span class="at">${esc(e.at.slice(11, 23) || e.at)}</span> ` +
    `<span class="lane-tag">[${esc(lane)}]</span> <span class="type">${e.type}</span> ${esc(describeEvent(e))}</li>`
  );
}
