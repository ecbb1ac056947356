import { escapeXml as esc } from './html.js';
import { inspectorCss } from './inspector-css.js';
import { inspectorScript } from './inspector-script.js';
import { machines } from './statechart-export.js';
import { inlineStatechartSvg } from './statechart-svg.js';
import { timelineCss } from './timeline-assets.js';
import { loadGraphviz } from './viz-loader.js';

export interface InspectorPageOptions {
  /** Page title; default `converge inspector`. */
  title?: string;
  /**
   * Where the page's data routes live, relative to the page (default `inspector/`): the event
   * stream is `${base}events`, time travel `${base}state?seq=N`.
   */
  base?: string;
}

/**
 * The live inspector: one self-contained HTML page (inline CSS, script and SVG; nothing fetched
 * but its own data routes). It follows the log through server-sent events from `${base}events`
 * and shows every module as a card (`[data-module]`, its lifecycle state in `data-state`) with its
 * statechart and the current state highlighted, the converge and startup charts, the queues
 * (`#queues`, head task and retry countdown), and the timeline growing as events arrive (swimlanes
 * and `#event-list`, `[data-seq]`). Clicking an event fetches `${base}state?seq=N` (the state the
 * timeline's fold gives after it) and shows the engine as it was then until "back to live". The
 * charts are laid out by Graphviz (`@viz-js/viz`); rejects with GraphvizUnavailableError when it
 * cannot be loaded.
 */
export async function renderInspectorPage(options: InspectorPageOptions = {}): Promise<string> {
  const title = options.title ?? 'converge inspector';
  const base = options.base ?? 'inspector/';
  const graphviz = await loadGraphviz();
  const chart = (name: keyof typeof machines, prefix: string) =>
    inlineStatechartSvg(graphviz, machines[name], { idPrefix: prefix });
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No favicon request: the page fetches nothing but its own data routes.
    '<link rel="icon" href="data:,">',
    `<title>${esc(title)}</title>`,
    `<style>${timelineCss}${inspectorCss}</style></head>`,
    `<body data-mode="live" data-base="${esc(base)}">`,
    `<header><h1>${esc(title)}</h1><div class="summary">`,
    '<span id="connection" data-state="connecting">connecting…</span>',
    '<span>run <b id="run-id">–</b></span>',
    '<span>last seq <b id="last-seq">0</b></span>',
    '<span id="mode">live</span>',
    '<button id="live-button" type="button" hidden>back to live</button>',
    '</div></header>',
    '<section id="engine"><h2>Engine</h2><div class="kv" id="engine-kv"></div>',
    '<div class="engine-charts">',
    `<figure data-machine="converge"><figcaption>converge</figcaption>${chart('converge', 'converge')}</figure>`,
    `<figure data-machine="startup"><figcaption>startup</figcaption>${chart('startup', 'startup')}</figure>`,
    '</div></section>',
    '<section><h2>Queues</h2><table id="queues"><thead><tr><th>queue</th><th>head task</th>',
    '<th>tasks</th><th>retry</th></tr></thead><tbody></tbody></table>',
    '<p id="queues-note">Queues as they are now: the log does not record them.</p></section>',
    '<section><h2>Modules</h2><div id="modules"><p class="empty">No module yet.</p></div></section>',
    '<section><h2>Timeline</h2><div id="lanes"><div id="lanes-inner"></div></div></section>',
    '<div id="bottom"><section style="padding:0"><h2>Events</h2><ol id="event-list"></ol></section>',
    '<aside id="state-panel"><p>Click an event to see the engine state after it.</p></aside></div>',
    `<template id="module-chart">${chart('module', 'module')}</template>`,
    `<script>${inspectorScript}</script>`,
    '</body></html>',
    '',
  ].join('\n');
}
