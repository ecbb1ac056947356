import { applyEvent, initialEngineState, moduleStateName } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { type CodeHook, createTestEngine } from '@converge/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildStateTable,
  layoutTimeline,
  machines,
  renderTimeline,
  stateAt,
  statechartOf,
  type TimelineData,
} from '../src/index.js';
import { timelineScript } from '../src/timeline-assets.js';

const chart = (module: string) => ({
  'Chart.yaml': `apiVersion: v2\nname: ${module}\nversion: 0.1.0\n`,
  'templates/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${module}-marker\ndata:\n  a: "1"\n`,
});

const hook = (name: string, config: Record<string, unknown>, run?: (call: number) => void): CodeHook => {
  let calls = 0;
  return {
    name,
    config: { configVersion: 'v1', ...config },
    run: async () => {
      calls++;
      run?.(calls);
      return undefined;
    },
  };
};

/** A real log: module `a` is disabled and its beforeDeleteHelm hook fails once, then succeeds. */
async function recordLog(): Promise<ConvergeEvent[]> {
  const t = await createTestEngine({
    globalHooks: [hook('g.sh', { beforeAll: 1 })],
    modules: [
      {
        name: 'a',
        order: 10,
        chart: chart('a'),
        hooks: [
          hook('hooks/bh', { beforeHelm: 1 }),
          hook('hooks/bd', { beforeDeleteHelm: 1 }, (call) => {
            if (call === 1) throw new Error('cleanup refused');
          }),
        ],
      },
      { name: 'b', order: 20, chart: chart('b'), hooks: [hook('hooks/ah', { afterHelm: 1 })] },
    ],
  });
  await t.start();
  await t.setConfig({ aEnabled: false });
  await t.advance(10_000);
  const events = [...t.events];
  await t.stop();
  return events;
}

let events: ConvergeEvent[];
let html: string;
let data: TimelineData;

beforeAll(async () => {
  events = await recordLog();
  html = await renderTimeline(events);
  const json = /<script type="application\/json" id="timeline-data">([\s\S]*?)<\/script>/.exec(html)![1];
  data = JSON.parse(json);
});

const count = (s: string, re: RegExp) => [...s.matchAll(re)].length;
const seqOf = (pred: (e: ConvergeEvent) => boolean) => events.find(pred)!.seq;

describe('renderTimeline of a real log (module a: beforeDeleteHelm fails once, then a is deleted)', () => {
  it('the log has the failure and the retry the assertions below look for', () => {
    expect(events.some((e) => e.type === 'HookFailed' && e.hook === 'hooks/bd')).toBe(true);
    expect(events.some((e) => e.type === 'ModuleDeleted' && e.module === 'a')).toBe(true);
    expect(events.some((e) => e.type === 'RetryScheduled' && e.module === 'a')).toBe(true);
  });

  it('is one self-contained page: inline style and script, nothing fetched', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link\b|<script[^>]+src=|@import|url\(\s*['"]?https?:|@font-face/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<)]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg']));
  });

  it('has a lane per module and one for global hooks, with the global hook run in the global lane', () => {
    for (const lane of ['global', 'a', 'b'])
      expect(count(html, new RegExp(`data-lane="${lane}"`, 'g'))).toBe(1);
    const global = html.slice(html.indexOf('data-lane="global"'), html.indexOf('data-lane="a"'));
    expect(global).toContain('data-hook="g.sh" data-binding="beforeAll"');
    const laneB = html.slice(html.indexOf('data-lane="b"'));
    expect(laneB.slice(0, laneB.indexOf('</svg></div>'))).toContain(
      'data-hook="hooks/ah" data-binding="afterHelm"',
    );
  });

  it('has exactly one event-list element per event, in seq order', () => {
    const seqs = [...html.matchAll(/<li data-seq="(\d+)"/g)].map((m) => Number(m[1]));
    expect(seqs).toEqual(events.map((e) => e.seq));
    expect(count(html, /<g [^>]*data-marker-seq="/g)).toBe(events.length);
  });

  it('marks the failed hook run and the failure events in red (failure / outcome-failed)', () => {
    const failed = seqOf((e) => e.type === 'HookFailed' && e.hook === 'hooks/bd');
    const started = seqOf((e) => e.type === 'HookStarted' && e.hook === 'hooks/bd');
    expect(html).toContain(
      `class="span binding-beforeDeleteHelm outcome-failed" data-span-start="${started}" data-span-end="${failed}"`,
    );
    expect(html).toMatch(new RegExp(`<li data-seq="${failed}" data-type="HookFailed" [^>]*class="failure"`));
    const moduleFailed = seqOf((e) => e.type === 'ModuleFailed');
    expect(html).toMatch(
      new RegExp(`<li data-seq="${moduleFailed}" data-type="ModuleFailed" [^>]*class="failure"`),
    );
    // The second attempt succeeded: that span is not red.
    const second = events.filter((e) => e.type === 'HookStarted' && e.hook === 'hooks/bd')[1].seq;
    expect(html).toMatch(new RegExp(`outcome-succeeded" data-span-start="${second}"`));
  });

  it('shows each retry with its delay, reaching the retried attempt on the axis', () => {
    const retry = events.find((e) => e.type === 'RetryScheduled' && e.module === 'a')!;
    if (retry.type !== 'RetryScheduled') throw new Error('unreachable');
    expect(html).toContain(`data-retry-seq="${retry.seq}" data-delay-ms="${retry.delayMs}"`);
    expect(html).toContain(`retry in ${retry.delayMs / 1000}s (attempt ${retry.attempt})`);
    const layout = layoutTimeline(events);
    const arc = layout.retries.find((r) => r.seq === retry.seq)!;
    const nextAttempt = events.find((e) => e.type === 'ModuleDeleteStarted' && e.attempt === retry.attempt)!;
    expect(arc.dueX).toBe(layout.x.get(nextAttempt.seq));
  });

  it('embeds the engine state after every event, equal to folding the log up to that seq', () => {
    expect(data.states).toEqual(buildStateTable(events));
    expect(data.events.map((e) => e.seq)).toEqual(events.map((e) => e.seq));
    const state = initialEngineState();
    for (const e of events) {
      applyEvent(state, e);
      const view = stateAt(data.states, e.seq)!;
      expect(view.seq).toBe(e.seq);
      for (const [m, snap] of Object.entries(state.modules))
        expect(view.modules[m].state).toBe(moduleStateName(snap));
      expect(view.converge.phase).toBe(state.converge.value);
      expect(view.enabled).toEqual(state.enabled);
      expect(view.errors).toEqual(state.errors);
    }
  });

  it('at the clicked ModuleFailed seq, module a is deleteFailed with its error, and deleted at the end', () => {
    const failedAt = stateAt(
      data.states,
      seqOf((e) => e.type === 'ModuleFailed'),
    )!;
    expect(failedAt.modules.a.state).toBe('deleteFailed');
    expect(failedAt.modules.a.failedPhase).toBe('beforeDeleteHelm');
    expect(failedAt.errors.a).toContain('cleanup refused');
    expect(failedAt.modules.b.state).toBe('ready');
    expect(failedAt.enabled).toEqual(['b']);
    const end = stateAt(data.states, events[events.length - 1].seq)!;
    expect(end.modules.a.state).toBe('deleted');
    expect(end.errors).toEqual({});
  });

  it('has the state panel and the module statechart with every state of the machine', () => {
    expect(html).toContain('<aside id="state-panel">');
    const section = html.slice(html.indexOf('<div id="statechart">'), html.indexOf('<h2>Timeline</h2>'));
    const moduleSvg = section.slice(
      section.indexOf('data-machine="module"'),
      section.indexOf('data-machine="converge"'),
    );
    for (const s of statechartOf(machines.module).states)
      expect(moduleSvg).toContain(`data-state="${s.name}"`);
    expect(html).toContain('<option value="a">a</option>');
  });

  it('lays the statecharts out with Graphviz and marks every state for highlighting, ids unique on the page', () => {
    const section = html.slice(html.indexOf('<div id="statechart">'), html.indexOf('<h2>Timeline</h2>'));
    expect(section).toContain('class="graph"');
    expect(section).not.toMatch(/<\?xml|<!DOCTYPE|<!--/);
    const chart = statechartOf(machines.module);
    const nested = chart.states.find((s) => s.path.length === 2)!;
    expect(section).toMatch(
      new RegExp(
        `<g id="module-(node|clust)\\d+" class="(node|cluster) state[^"]*" data-state="${nested.name}" ` +
          `data-state-id="${nested.id}" data-ancestors="${nested.parent} ${chart.root}">`,
      ),
    );
    const ids = [...section.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ships a client script that parses', () => {
    expect(() => new Function(timelineScript)).not.toThrow();
    expect(html).toContain(timelineScript);
  });

  it('the client script shows the state of a selected seq in the state panel and highlights the module state', () => {
    const page = runClientScript(html);
    const failed = seqOf((e) => e.type === 'ModuleFailed');
    page.window.convergeTimeline.select(failed, false);
    expect(page.panel.innerHTML).toContain(`State after #${failed} ModuleFailed`);
    expect(page.panel.innerHTML).toMatch(
      /<tr class="error" data-module="a"><td>a<\/td><td class="module-state">deleteFailed/,
    );
    expect(page.highlighted).toContainEqual(['module', 'deleteFailed']);
    expect(page.body.attributes['data-selected-seq']).toBe(String(failed));
  });
});

describe('timeline layout', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const ev = (seq: number, ms: number, module?: string): ConvergeEvent =>
    module
      ? { type: 'ModuleReady', module, seq, at: at(ms), v: 1 }
      : { type: 'ScheduleFired', crontab: '* * * * *', seq, at: at(ms), v: 1 };

  it('lays out events that share a timestamp by seq, and widens the gap where the clock jumps', () => {
    const layout = layoutTimeline([ev(1, 0), ev(2, 0, 'a'), ev(3, 0), ev(4, 5000), ev(5, 5000)], {
      slot: 10,
    });
    const x = [1, 2, 3, 4, 5].map((s) => layout.x.get(s)!);
    expect(x[1] - x[0]).toBe(10);
    expect(x[2] - x[1]).toBe(10);
    expect(x[3] - x[2]).toBeGreaterThan(50);
    expect(x[4] - x[3]).toBe(10);
    expect(layout.ticks.map((t) => t.offsetMs)).toEqual([0, 5000]);
    expect(layout.lanes).toEqual(['global', 'a']);
  });

  it('puts overlapping hook runs of one lane on separate tracks', () => {
    const hookEvent = (type: 'HookStarted' | 'HookSucceeded', seq: number, hook: string): ConvergeEvent => ({
      type,
      hook,
      module: 'a',
      binding: 'kubernetes',
      bindingNames: ['pods'],
      attempt: 1,
      seq,
      at: at(0),
      v: 1,
    });
    const layout = layoutTimeline([
      hookEvent('HookStarted', 1, 'h1'),
      hookEvent('HookStarted', 2, 'h2'),
      hookEvent('HookSucceeded', 3, 'h1'),
      hookEvent('HookSucceeded', 4, 'h2'),
      hookEvent('HookStarted', 5, 'h3'),
    ]);
    expect(layout.spans.map((s) => [s.hook, s.track, s.outcome])).toEqual([
      ['h1', 0, 'succeeded'],
      ['h2', 1, 'succeeded'],
      ['h3', 0, 'open'],
    ]);
    expect(layout.tracks.get('a')).toBe(2);
  });

  it('lists an event type it does not know with its payload instead of failing', async () => {
    const future = { type: 'FutureThing', seq: 2, at: at(0), v: 1, detail: 'x' } as unknown as ConvergeEvent;
    const page = await renderTimeline([ev(1, 0), future]);
    expect(page).toContain('<li data-seq="2" data-type="FutureThing"');
    expect(page).toContain('{&quot;detail&quot;:&quot;x&quot;}');
  });

  it('renders an empty log as a page with no rows', async () => {
    const page = await renderTimeline([]);
    expect(page).toContain('<ol id="event-list"></ol>');
    expect(page).toContain('data-lane="global"');
  });
});

/** Runs the page script against a minimal stand-in for the DOM (no browser here). */
function runClientScript(page: string) {
  const json = /<script type="application\/json" id="timeline-data">([\s\S]*?)<\/script>/.exec(page)![1];
  const highlighted: [string, string][] = [];
  const element = (attrs: Record<string, string> = {}) => ({
    attributes: attrs,
    innerHTML: '',
    textContent: '',
    value: 'a',
    style: {} as Record<string, string>,
    classList: { add: () => {}, remove: () => {} },
    getAttribute: (k: string) => attrs[k] ?? null,
    setAttribute: (k: string, v: string) => {
      attrs[k] = v;
    },
    addEventListener: () => {},
    scrollIntoView: () => {},
    querySelectorAll: () => [],
    querySelector: (sel: string) => {
      const m = /\.state\[data-state="([^"]+)"\]/.exec(sel);
      return m
        ? {
            ...element({}),
            classList: { add: (c: string) => c === 'current' && highlighted.push([svg, m[1]]) },
          }
        : null;
    },
  });
  let svg = '';
  const panel = element();
  const body = element();
  const byId: Record<string, ReturnType<typeof element>> = {
    'timeline-data': { ...element(), textContent: json },
    'state-panel': panel,
    cursor: element(),
    'statechart-module': element(),
  };
  const document = {
    body,
    getElementById: (id: string) => byId[id] ?? null,
    querySelector: (sel: string) => {
      const m = /svg\[data-machine="(\w+)"\]/.exec(sel);
      if (m) svg = m[1];
      return element();
    },
    querySelectorAll: () => [],
    addEventListener: () => {},
  };
  const window = {} as { convergeTimeline: { select(seq: number, scroll: boolean): void } };
  new Function('document', 'window', timelineScript)(document, window);
  return { window, panel, body, highlighted };
}
