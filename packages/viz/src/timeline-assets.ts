/** The timeline page's inline stylesheet: system fonts only, nothing fetched. */
export const timelineCss = `
:root { --label-w: 150px; --fail: #c62828; --muted: #6b7280; --line: #d1d5db; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111827; background: #fafafa; }
header { padding: 10px 16px; background: #1f2937; color: #f9fafb; }
header h1 { font-size: 16px; margin: 0 0 4px; }
header .summary span { margin-right: 16px; }
header .summary .failures { color: #fca5a5; }
section { padding: 8px 16px; }
h2 { font-size: 13px; margin: 8px 0; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
#timeline { overflow-x: auto; border: 1px solid var(--line); background: #fff; position: relative; }
#lanes { position: relative; width: max-content; }
.lane { display: flex; border-bottom: 1px solid #eef0f3; }
.lane-label { position: sticky; left: 0; z-index: 2; width: var(--label-w); min-width: var(--label-w); padding: 4px 8px;
  background: #f3f4f6; border-right: 1px solid var(--line); font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.lane.axis .lane-label { font-weight: 400; color: var(--muted); }
.lane-svg { display: block; font-size: 10px; }
.tick line { stroke: #9ca3af; } .tick text { fill: var(--muted); }
.band rect { fill: #e0e7ff; } .band text { fill: #3730a3; font-size: 9px; }
.band.band-delete rect { fill: #fde68a; } .band.band-delete text { fill: #92400e; }
.band.band-converge rect { fill: #e5e7eb; } .band.band-converge text { fill: #374151; }
.band.outcome-failed rect { fill: #fecaca; } .band.outcome-failed text { fill: #c62828; }
.band.outcome-interrupted rect { fill: #f3f4f6; stroke: #9ca3af; stroke-dasharray: 3 2; }
.span rect { fill: #93c5fd; stroke: #2563eb; }
.span text { fill: #0f172a; font-size: 10px; }
.span.binding-onStartup rect { fill: #c7d2fe; stroke: #4f46e5; }
.span.binding-beforeHelm rect, .span.binding-beforeAll rect { fill: #a7f3d0; stroke: #059669; }
.span.binding-afterHelm rect, .span.binding-afterAll rect { fill: #bbf7d0; stroke: #16a34a; }
.span.binding-beforeDeleteHelm rect { fill: #fed7aa; stroke: #ea580c; }
.span.binding-afterDeleteHelm rect { fill: #fde68a; stroke: #ca8a04; }
.span.binding-kubernetes rect { fill: #bae6fd; stroke: #0284c7; }
.span.binding-schedule rect { fill: #e9d5ff; stroke: #9333ea; }
.span.outcome-failed rect { fill: #fecaca; stroke: #c62828; stroke-width: 2; }
.span.outcome-failed text { fill: #c62828; font-weight: 600; }
.span.outcome-allowed-failure rect { stroke: #c62828; stroke-dasharray: 3 2; }
.span.outcome-open rect { stroke-dasharray: 4 2; }
.marker { cursor: pointer; } .marker circle { fill: #6b7280; } .marker path { stroke: #6b7280; fill: none; stroke-width: 1.5; }
.marker.helm rect { fill: #7c3aed; }
.marker.failure path { stroke: #c62828; stroke-width: 2.5; }
.marker.retry circle { fill: #fff; stroke: #d97706; stroke-width: 1.5; } .marker.retry path { stroke: #d97706; }
.marker.selected circle, .marker.selected rect { stroke: #111827; stroke-width: 2; }
.retry-arc path { fill: none; stroke: #d97706; stroke-dasharray: 4 3; } .retry-arc text { fill: #b45309; font-size: 9px; }
.span, .band, .retry-arc { cursor: pointer; }
#cursor { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px solid rgba(220, 38, 38, .6); pointer-events: none; display: none; z-index: 1; }
#statechart { display: flex; gap: 16px; flex-wrap: wrap; align-items: flex-start; }
#statechart figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 6px; overflow: auto; max-width: 100%; }
#statechart figcaption { font-weight: 600; margin-bottom: 4px; }
.statechart-svg { height: auto; max-width: 100%; }
.statechart-svg .state > :is(path, polygon, ellipse) { fill: #fff; stroke: #6b7280; }
.statechart-svg .state.compound > :is(path, polygon) { fill: #f9fafb; }
.statechart-svg .state.root > :is(path, polygon) { fill: none; stroke: #d1d5db; }
.statechart-svg .state.active > :is(path, polygon, ellipse) { fill: #eff6ff; stroke: #60a5fa; }
.statechart-svg .state.current > :is(path, polygon, ellipse) { fill: #2563eb; stroke: #1e3a8a; stroke-width: 2; }
.statechart-svg .state.current > text { fill: #fff; font-weight: 600; }
.statechart-svg .state[data-state$="Failed"].current > :is(path, polygon, ellipse) { fill: #c62828; stroke: #7f1d1d; }
.statechart-svg .cluster > text { font-weight: 600; fill: #374151; }
.statechart-svg .edge > path { stroke: #9ca3af; } .statechart-svg .edge > polygon { fill: #9ca3af; stroke: #9ca3af; }
.statechart-svg .edge > text { fill: #6b7280; }
#bottom { display: grid; grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 16px; padding: 8px 16px 24px; }
#event-list { list-style: none; margin: 0; padding: 0; max-height: 70vh; overflow: auto; border: 1px solid var(--line); background: #fff;
  font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#event-list li { padding: 1px 8px; border-bottom: 1px solid #f3f4f6; cursor: pointer; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
#event-list li:hover { background: #f3f4f6; }
#event-list li.failure { color: var(--fail); }
#event-list li.selected { background: #dbeafe; }
#event-list .seq { display: inline-block; min-width: 4em; color: var(--muted); }
#event-list .lane-tag { color: #4b5563; } #event-list .type { font-weight: 600; }
#state-panel { border: 1px solid var(--line); background: #fff; padding: 8px 12px; max-height: 70vh; overflow: auto; }
#state-panel table { border-collapse: collapse; width: 100%; margin: 6px 0; }
#state-panel th, #state-panel td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #f3f4f6; vertical-align: top; }
#state-panel tr.error td { color: var(--fail); }
#state-panel pre { background: #f9fafb; padding: 6px; overflow: auto; font-size: 11px; }
#state-panel .kv span { margin-right: 14px; }
`;

/**
 * The page's inline script: reads `#timeline-data`, selects an event on click (event list rows,
 * lane markers, spans, bands, retry arcs) or with the arrow keys, and shows the folded engine state
 * after that event in `#state-panel`, highlighting the module's and the converge's current state.
 */
export const timelineScript = `
(() => {
  'use strict';
  const data = JSON.parse(document.getElementById('timeline-data').textContent);
  const table = data.states;
  const rowOf = new Map(table.rows.map((r, i) => [r.seq, i]));
  const panel = document.getElementById('state-panel');
  const cursor = document.getElementById('cursor');
  const moduleSelect = document.getElementById('statechart-module');
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const attr = (s) => String(s).replace(/["\\\\]/g, '\\\\$&');
  let selected = null;

  function stateAt(seq) {
    const i = rowOf.get(seq);
    if (i === undefined) return null;
    const row = table.rows[i];
    const modules = {};
    row.m.forEach((p, k) => { if (p >= 0) modules[table.modules[k]] = table.module[p]; });
    return { seq: row.seq, startup: table.startup[row.s], converge: table.converge[row.c], modules,
      enabled: table.enabled[row.en], errors: table.errors[row.er] };
  }

  function highlight(machine, name) {
    const svg = document.querySelector('#statechart svg[data-machine="' + attr(machine) + '"]');
    if (!svg) return;
    svg.querySelectorAll('.state').forEach((g) => g.classList.remove('current', 'active'));
    const g = name === undefined ? null : svg.querySelector('.state[data-state="' + attr(name) + '"]');
    if (!g) return;
    g.classList.add('current');
    (g.getAttribute('data-ancestors') || '').split(' ').filter(Boolean).forEach((id) => {
      const a = svg.querySelector('.state[data-state-id="' + attr(id) + '"]');
      if (a) a.classList.add('active');
    });
  }

  function renderPanel(st, ev) {
    const names = Object.keys(st.modules);
    const rows = names.map((m) => {
      const v = st.modules[m];
      const err = st.errors[m] || v.lastError || '';
      return '<tr class="' + (st.errors[m] ? 'error' : '') + '" data-module="' + esc(m) + '"><td>' + esc(m) + '</td><td class="module-state">' +
        esc(v.state) + '</td><td>' + (st.enabled.includes(m) ? 'yes' : 'no') + '</td><td>' + v.attempt + '</td><td>' + esc(v.next) +
        '</td><td>' + esc(err) + '</td></tr>';
    }).join('');
    const c = st.converge;
    panel.innerHTML =
      '<h2>State after #' + st.seq + ' ' + esc(ev.type) + '</h2>' +
      '<div class="kv"><span>at <b>' + esc(ev.at) + '</b></span><span>startup <b data-field="startup">' + esc(st.startup) +
      '</b></span><span>converge <b data-field="converge">' + esc(c.phase) + '</b>' + (c.convergeId ? ' ' + esc(c.convergeId) : '') +
      (c.pending.length ? ' pending [' + esc(c.pending.join(', ')) + ']' : '') + '</span><span>completed ' + c.completed + '</span></div>' +
      '<div class="kv"><span>enabled <b data-field="enabled">' + esc(st.enabled.join(', ') || '(none)') + '</b></span></div>' +
      '<table><thead><tr><th>module</th><th>state</th><th>enabled</th><th>attempt</th><th>next</th><th>error</th></tr></thead><tbody>' +
      rows + '</tbody></table><h2>Event</h2><pre>' + esc(JSON.stringify(ev, null, 2)) + '</pre>';
  }

  function select(seq, scroll) {
    const st = stateAt(seq);
    if (!st) return;
    selected = seq;
    const ev = data.events[rowOf.get(seq)];
    document.querySelectorAll('#event-list li.selected, .marker.selected').forEach((e) => e.classList.remove('selected'));
    const li = document.querySelector('#event-list li[data-seq="' + seq + '"]');
    if (li) { li.classList.add('selected'); if (scroll) li.scrollIntoView({ block: 'nearest' }); }
    const marker = document.querySelector('[data-marker-seq="' + seq + '"]');
    if (marker) marker.classList.add('selected');
    const x = data.x[rowOf.get(seq)];
    cursor.style.display = 'block';
    cursor.style.left = 'calc(var(--label-w) + ' + x + 'px)';
    if (data.lanes.includes(ev.module) && moduleSelect) moduleSelect.value = ev.module;
    renderPanel(st, ev);
    showCharts(st);
    document.body.setAttribute('data-selected-seq', String(seq));
  }

  function showCharts(st) {
    const m = moduleSelect ? moduleSelect.value : undefined;
    highlight('module', m && st.modules[m] ? st.modules[m].state : undefined);
    highlight('converge', st.converge.phase);
    highlight('startup', st.startup);
  }

  document.addEventListener('click', (e) => {
    const t = e.target.closest('[data-seq],[data-marker-seq],[data-span-start],[data-band-start],[data-retry-seq]');
    if (!t) return;
    const seq = Number(t.getAttribute('data-seq') || t.getAttribute('data-marker-seq') || t.getAttribute('data-span-start') ||
      t.getAttribute('data-band-start') || t.getAttribute('data-retry-seq'));
    select(seq, true);
  });
  document.addEventListener('keydown', (e) => {
    if (selected === null || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    const i = rowOf.get(selected) + (e.key === 'ArrowDown' ? 1 : -1);
    if (i >= 0 && i < table.rows.length) { e.preventDefault(); select(table.rows[i].seq, true); }
  });
  if (moduleSelect) moduleSelect.addEventListener('change', () => { if (selected !== null) showCharts(stateAt(selected)); });
  window.convergeTimeline = { select, stateAt };
  if (table.rows.length) select(table.rows[table.rows.length - 1].seq, false);
})();
`;
