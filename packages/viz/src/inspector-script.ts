/**
 * The inspector page's inline script (plain browser JavaScript, no build step). It opens an
 * `EventSource` on `${base}events` (resuming with `?after=SEQ` when it has to reopen one itself;
 * the browser's own reconnects send `Last-Event-ID`), appends each log event to the swimlanes and
 * `#event-list`, merges `state` messages into the live view (module cards with their highlighted
 * statecharts, the converge and startup charts) and `queues` messages into `#queues`, whose retry
 * countdown it ticks. A click on an event shows `${base}state?seq=N` instead of the live view,
 * until "back to live"; `body[data-selected-seq]` names the event shown.
 */
export const inspectorScript = String.raw`
(() => {
  'use strict';
  const base = document.body.getAttribute('data-base') || 'inspector/';
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const attr = (s) => String(s).replace(/["\\]/g, '\\$&');
  const MAX_EVENTS = 5000;
  const SLOT = 10;
  const list = $('event-list');
  const lanesInner = $('lanes-inner');
  const lanesBox = $('lanes');
  const modulesBox = $('modules');
  const panel = $('state-panel');
  const chartTemplate = $('module-chart');
  const live = { seq: 0, startup: '', converge: null, modules: {}, enabled: [], errors: {} };
  const lanes = new Map();
  const cards = new Map();
  const shown = [];
  let past = null;
  let queues = { now: 0, at: 0, queues: [] };
  let lastSeq = 0;
  let index = 0;
  let source = null;
  let reopenTimer = null;

  function isFailure(e) {
    if (e.type === 'HookFailed') return !e.allowed;
    if (e.type === 'HelmReleaseChecked') return e.error !== undefined;
    return e.type === 'ModuleFailed' || e.type === 'HelmOperationFailed' || e.type === 'DiscoveryFailed';
  }
  function laneOf(e) {
    if (typeof e.module === 'string' && e.module !== '') return e.module;
    if ((e.type === 'ValuesChanged' || e.type === 'ConfigValuesChanged') && e.scope !== 'global') return e.scope;
    return 'global';
  }
  function kindOf(e) {
    if (isFailure(e)) return 'failure';
    if (e.type === 'RetryScheduled') return 'retry';
    if (e.type === 'HookStarted') return 'hook';
    if (e.type.indexOf('Helm') >= 0) return 'helm';
    if (e.type === 'HookSucceeded' || e.type === 'ModuleReady' || e.type === 'ConvergeCompleted') return 'ok';
    return '';
  }
  const SKIP = { seq: 1, at: 1, v: 1, type: 1, module: 1, hook: 1, binding: 1, attempt: 1, error: 1 };
  function describe(e) {
    const parts = [];
    if (e.hook) parts.push(e.hook);
    if (e.binding) parts.push(e.binding);
    if (e.attempt !== undefined) parts.push('attempt ' + e.attempt);
    if (e.type === 'RetryScheduled') parts.push('queue ' + e.queue + ', ' + e.task + ', in ' + (e.delayMs / 1000).toFixed(1) + ' s');
    else {
      for (const k of Object.keys(e)) {
        if (SKIP[k]) continue;
        const v = e[k];
        if (v === null || typeof v !== 'object') parts.push(k + '=' + v);
        else if (Array.isArray(v) && v.length <= 6 && v.every((x) => typeof x !== 'object')) parts.push(k + '=[' + v.join(', ') + ']');
      }
    }
    if (e.error) parts.push(': ' + String(e.error).split('\n')[0]);
    return parts.join(' ');
  }

  function laneTrack(name) {
    let track = lanes.get(name);
    if (track) return track;
    const lane = document.createElement('div');
    lane.className = 'lane';
    lane.setAttribute('data-lane', name);
    lane.innerHTML = '<div class="lane-label" title="' + esc(name) + '">' + esc(name) + '</div><div class="lane-track"></div>';
    // The global lane stays first; modules follow in the order they appear.
    if (name === 'global') lanesInner.insertBefore(lane, lanesInner.firstChild);
    else lanesInner.appendChild(lane);
    track = lane.querySelector('.lane-track');
    lanes.set(name, track);
    return track;
  }

  function addEvent(e) {
    if (e.seq <= lastSeq) return;
    lastSeq = e.seq;
    $('last-seq').textContent = String(e.seq);
    if (e.type === 'EngineStarted') $('run-id').textContent = e.runId;
    const kind = kindOf(e);
    const atEnd = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    const li = document.createElement('li');
    li.setAttribute('data-seq', String(e.seq));
    li.setAttribute('data-type', e.type);
    if (kind === 'failure') li.className = 'failure';
    li.innerHTML = '<span class="seq">#' + e.seq + '</span> <span class="at">' + esc(String(e.at).slice(11, 23)) +
      '</span> <span class="lane-tag">[' + esc(laneOf(e)) + ']</span> <span class="type">' + esc(e.type) + '</span> ' + esc(describe(e));
    list.appendChild(li);
    if (atEnd) list.scrollTop = list.scrollHeight;
    const dot = document.createElement('span');
    dot.className = 'dot ' + kind;
    dot.setAttribute('data-seq', String(e.seq));
    dot.title = '#' + e.seq + ' ' + e.type;
    dot.style.left = index * SLOT + 'px';
    laneTrack(laneOf(e)).appendChild(dot);
    index++;
    const laneAtEnd = lanesBox.scrollLeft + lanesBox.clientWidth >= lanesBox.scrollWidth - SLOT * 2;
    lanesInner.style.width = 'calc(var(--label-w) + ' + (index * SLOT + 20) + 'px)';
    if (laneAtEnd) lanesBox.scrollLeft = lanesBox.scrollWidth;
    shown.push(e.seq);
    if (shown.length > MAX_EVENTS) {
      const old = shown.shift();
      document.querySelectorAll('[data-seq="' + old + '"]').forEach((n) => n.remove());
    }
  }

  function highlight(svg, name) {
    if (!svg) return;
    svg.querySelectorAll('.state.current, .state.active').forEach((g) => g.classList.remove('current', 'active'));
    const g = name === undefined ? null : svg.querySelector('.state[data-state="' + attr(name) + '"]');
    if (!g) return;
    g.classList.add('current');
    (g.getAttribute('data-ancestors') || '').split(' ').filter(Boolean).forEach((id) => {
      const a = svg.querySelector('.state[data-state-id="' + attr(id) + '"]');
      if (a) a.classList.add('active');
    });
  }

  function card(name) {
    let c = cards.get(name);
    if (c) return c;
    const empty = modulesBox.querySelector('.empty');
    if (empty) empty.remove();
    c = document.createElement('article');
    c.className = 'module-card';
    c.setAttribute('data-module', name);
    c.innerHTML = '<header><h3>' + esc(name) + '</h3><span class="module-state"></span><span class="meta enabled"></span>' +
      '<span class="meta attempt"></span></header><div class="meta module-next"></div><div class="module-error"></div><div class="chart"></div>';
    c.querySelector('.chart').appendChild(chartTemplate.content.cloneNode(true));
    modulesBox.appendChild(c);
    cards.set(name, c);
    return c;
  }

  // Renders the cards of 'only' (a Set of module names), or of every module when it is null.
  function render(view, only) {
    if (!only) for (const name of Object.keys(live.modules)) card(name);
    for (const name of Object.keys(view.modules)) card(name);
    for (const [name, c] of cards) {
      if (only && !only.has(name)) continue;
      const m = view.modules[name];
      const state = m ? m.state : 'unknown';
      c.setAttribute('data-state', state);
      c.querySelector('.module-state').textContent = m ? m.state : 'not known yet';
      c.querySelector('.enabled').textContent = view.enabled.indexOf(name) >= 0 ? 'enabled' : 'not enabled';
      c.querySelector('.attempt').textContent = m && m.attempt > 0 ? 'attempt ' + m.attempt : '';
      c.querySelector('.module-next').textContent = m ? 'next: ' + m.next : '';
      c.querySelector('.module-error').textContent = view.errors[name] || (m && m.lastError) || '';
      highlight(c.querySelector('svg'), m ? m.state : undefined);
    }
    const conv = view.converge;
    if (conv) {
      $('engine-kv').innerHTML = '<span>startup <b data-field="startup">' + esc(view.startup) + '</b></span>' +
        '<span>converge <b data-field="converge">' + esc(conv.phase) + '</b>' + (conv.convergeId ? ' ' + esc(conv.convergeId) : '') +
        (conv.pending.length ? ' pending [' + esc(conv.pending.join(', ')) + ']' : '') + '</span>' +
        '<span>completed ' + conv.completed + '</span><span>enabled <b data-field="enabled">' + esc(listed(view.enabled)) + '</b></span>';
      highlight(document.querySelector('#engine svg[data-machine="converge"]'), conv.phase);
    }
    highlight(document.querySelector('#engine svg[data-machine="startup"]'), view.startup);
  }

  function listed(names) {
    if (names.length === 0) return '(none)';
    return names.length <= 12 ? names.join(', ') : names.slice(0, 10).join(', ') + ' and ' + (names.length - 10) + ' more';
  }

  // The modules whose card may change with state message s: theirs, and those whose enabled flag or error changed.
  function touched(s) {
    const names = new Set(Object.keys(s.modules));
    const before = new Set(live.enabled);
    const after = new Set(s.enabled);
    for (const n of before) if (!after.has(n)) names.add(n);
    for (const n of after) if (!before.has(n)) names.add(n);
    for (const n of Object.keys(live.errors)) if (live.errors[n] !== s.errors[n]) names.add(n);
    for (const n of Object.keys(s.errors)) if (live.errors[n] !== s.errors[n]) names.add(n);
    return names;
  }

  function applyState(s) {
    const only = s.full ? null : touched(s);
    if (s.full) live.modules = s.modules;
    else Object.assign(live.modules, s.modules);
    live.seq = s.seq;
    live.startup = s.startup;
    live.converge = s.converge;
    live.enabled = s.enabled;
    live.errors = s.errors;
    if (!past) render(live, only);
  }

  function renderQueues() {
    const body = $('queues').querySelector('tbody');
    body.innerHTML = queues.queues.map((q) =>
      '<tr data-queue="' + esc(q.name) + '" class="' + (q.sleepingUntil !== undefined ? 'sleeping' : '') + '"><td>' + esc(q.name) +
      '</td><td class="head">' + (q.head ? (q.running ? '&#9654; ' : '') + esc(q.head) : '<span class="meta">(empty)</span>') +
      '</td><td>' + q.length + '</td><td class="retry">' +
      (q.sleepingUntil !== undefined ? '<span class="countdown" data-until="' + q.sleepingUntil + '"></span>' : '') +
      (q.failures ? ' <span class="meta">failed ' + q.failures + '&#215;</span>' : '') +
      (q.lastError ? '<div class="last-error">' + esc(String(q.lastError).split('\n')[0]) + '</div>' : '') + '</td></tr>').join('');
    tick();
  }

  function tick() {
    const now = queues.now + (performance.now() - queues.at);
    document.querySelectorAll('#queues .countdown').forEach((el) => {
      const left = Number(el.getAttribute('data-until')) - now;
      el.textContent = left > 0 ? 'retry in ' + (left / 1000).toFixed(1) + ' s' : 'retrying…';
    });
  }
  setInterval(tick, 200);

  function renderPanel(st, ev) {
    const rows = Object.keys(st.modules).map((m) => {
      const v = st.modules[m];
      const err = st.errors[m] || v.lastError || '';
      return '<tr class="' + (st.errors[m] ? 'error' : '') + '" data-module="' + esc(m) + '"><td>' + esc(m) + '</td><td class="module-state">' +
        esc(v.state) + '</td><td>' + (st.enabled.indexOf(m) >= 0 ? 'yes' : 'no') + '</td><td>' + v.attempt + '</td><td>' + esc(v.next) +
        '</td><td>' + esc(err) + '</td></tr>';
    }).join('');
    panel.innerHTML = '<h2>State after #' + st.seq + ' ' + esc(ev.type) + '</h2>' +
      '<div class="kv"><span>at <b>' + esc(ev.at) + '</b></span><span>startup <b>' + esc(st.startup) + '</b></span><span>converge <b>' +
      esc(st.converge.phase) + '</b></span></div><table><thead><tr><th>module</th><th>state</th><th>enabled</th><th>attempt</th>' +
      '<th>next</th><th>error</th></tr></thead><tbody>' + rows + '</tbody></table><h2>Event</h2><pre>' + esc(JSON.stringify(ev, null, 2)) + '</pre>';
  }

  function markSelected(seq) {
    document.querySelectorAll('#event-list li.selected, #lanes .dot.selected').forEach((n) => n.classList.remove('selected'));
    if (seq === null) return;
    document.querySelectorAll('#event-list li[data-seq="' + seq + '"], #lanes .dot[data-seq="' + seq + '"]').forEach((n) => n.classList.add('selected'));
  }

  function select(seq) {
    return fetch(base + 'state?seq=' + seq).then((r) => r.ok ? r.json() : r.text().then((t) => { throw new Error(t); })).then((p) => {
      past = p;
      document.body.setAttribute('data-mode', 'past');
      document.body.setAttribute('data-selected-seq', String(seq));
      $('mode').textContent = 'state after #' + p.state.seq + ' ' + p.event.type + ' (' + String(p.event.at).slice(11, 23) + ')';
      $('live-button').hidden = false;
      markSelected(seq);
      render(p.state);
      renderPanel(p.state, p.event);
    }).catch((err) => {
      panel.innerHTML = '<p class="failure">Cannot show the state after #' + esc(seq) + ': ' + esc(err.message) + '</p>';
    });
  }

  function backToLive() {
    past = null;
    document.body.setAttribute('data-mode', 'live');
    document.body.removeAttribute('data-selected-seq');
    $('mode').textContent = 'live';
    $('live-button').hidden = true;
    markSelected(null);
    panel.innerHTML = '<p>Click an event to see the engine state after it.</p>';
    render(live);
  }

  document.addEventListener('click', (e) => {
    const t = e.target.closest('#event-list [data-seq], #lanes [data-seq]');
    if (t) select(Number(t.getAttribute('data-seq')));
  });
  $('live-button').addEventListener('click', backToLive);

  // The server holds another log than the one shown (its store was replaced): forget the old one.
  function startOver() {
    if (past) backToLive();
    list.innerHTML = '';
    lanesInner.innerHTML = '';
    modulesBox.innerHTML = '<p class="empty">No module yet.</p>';
    lanes.clear();
    cards.clear();
    shown.length = 0;
    live.modules = {};
    lastSeq = 0;
    index = 0;
  }

  function setConnection(state) {
    const el = $('connection');
    el.setAttribute('data-state', state);
    el.textContent = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'disconnected, retrying…' }[state];
  }

  function connect() {
    reopenTimer = null;
    source = new EventSource(base + 'events' + (lastSeq > 0 ? '?after=' + lastSeq : ''));
    setConnection('connecting');
    source.onopen = () => setConnection('open');
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) { setConnection('reconnecting'); return; }
      // The browser gave up (the server answered with an error): reopen after the last seq seen.
      setConnection('closed');
      if (!reopenTimer) reopenTimer = setTimeout(connect, 1000);
    };
    source.onmessage = (m) => addEvent(JSON.parse(m.data));
    source.addEventListener('hello', (m) => {
      const h = JSON.parse(m.data);
      if (h.reset) startOver();
      if (h.runId) $('run-id').textContent = h.runId;
    });
    source.addEventListener('state', (m) => applyState(JSON.parse(m.data)));
    source.addEventListener('queues', (m) => {
      queues = JSON.parse(m.data);
      queues.at = performance.now();
      renderQueues();
    });
  }

  window.convergeInspector = { select, backToLive, live: () => live, lastSeq: () => lastSeq };
  connect();
})();
`;
