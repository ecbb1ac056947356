import { moduleStateName, replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { type EngineServer, serveEngine } from '@converge/server';
import { createTestEngine, type TestEngine } from '@converge/testing';
import {
  buildStateTable,
  type InspectorHello,
  type InspectorPastState,
  type InspectorQueuesMessage,
  type InspectorStateMessage,
  stateAt,
} from '@converge/viz';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient } from './sse-client.js';

describe('the live inspector over HTTP: page, event stream, time travel (serveEngine)', () => {
  let t: TestEngine;
  let server: EngineServer;
  let live: SseClient;
  const clients: SseClient[] = [];
  let attempts = 0;

  beforeAll(async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'alpha',
          order: 10,
          hooks: [
            {
              name: 'hooks/wait-db.sh',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: () => {
                if (++attempts === 1) throw new Error('database not ready');
                return undefined;
              },
            },
          ],
        },
        { name: 'beta', order: 20 },
      ],
    });
    server = await serveEngine(t.engine, { listen: '127.0.0.1:0' });
    live = await SseClient.open(`${server.url}/inspector/events`);
    clients.push(live);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await server?.close();
    await t?.stop();
  });

  it('/ is one self-contained page: inline script and style, the statecharts, nothing fetched from elsewhere', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<script>');
    expect(html).toContain('<style>');
    expect(html).toMatch(/<svg[^>]*data-machine="module"/);
    expect(html).toMatch(/<svg[^>]*data-machine="converge"/);
    // Only the SVG namespace names a URL; no src/href points anywhere but an empty data: icon.
    expect(html.match(/(src|href)\s*=\s*["'][^"']+/g) ?? []).toEqual(['href="data:,']);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
  });

  it('AO-56 the stream follows a beforeHelm failure, its retry countdown in main, and the module reaching ready', async () => {
    const hello = JSON.parse((await live.until((m) => m.event === 'hello', 'hello')).data) as InspectorHello;
    expect(hello.lastSeq).toBe(0);
    await t.start();
    const failed = await live.until(
      (m) =>
        m.event === 'state' &&
        (JSON.parse(m.data) as InspectorStateMessage).modules.alpha?.state === 'runFailed',
      'alpha in runFailed',
    );
    expect(JSON.parse(failed.data).errors.alpha).toContain('database not ready');
    const sleeping = await live.until(
      (m) =>
        m.event === 'queues' &&
        (JSON.parse(m.data) as InspectorQueuesMessage).queues.some((q) => q.sleepingUntil !== undefined),
      'a sleeping queue',
    );
    const q = JSON.parse(sleeping.data) as InspectorQueuesMessage;
    const main = q.queues.find((x) => x.name === 'main')!;
    expect(main.head).toBe('ModuleRun:alpha');
    expect(main.failures).toBe(1);
    expect(main.lastError).toContain('database not ready');
    // addon-operator's first retry comes 5 s after the failure (shell-operator pkg/utils/exponential_backoff/delay.go).
    expect(main.sleepingUntil! - q.now).toBe(5_000);
    await t.advance(5_000);
    await t.settle();
    await live.until(
      (m) =>
        m.event === 'state' && (JSON.parse(m.data) as InspectorStateMessage).modules.alpha?.state === 'ready',
      'alpha ready',
    );
    const last = t.events.at(-1)!.seq;
    await live.until((m) => m.id === String(last), `event #${last}`);
    // Every event of the log, once each, in seq order, as the store holds it.
    expect(live.of<ConvergeEvent>('message')).toEqual([...t.events]);
  });

  it('a reconnect resumes after Last-Event-ID (or ?after=SEQ): the events after it, none twice', async () => {
    const events = [...t.events];
    const resumeAt = events[Math.floor(events.length / 2)].seq;
    const byHeader = await SseClient.open(`${server.url}/inspector/events?after=1`, {
      'last-event-id': String(resumeAt),
    });
    const byQuery = await SseClient.open(`${server.url}/inspector/events?after=${resumeAt}`);
    clients.push(byHeader, byQuery);
    for (const c of [byHeader, byQuery]) {
      await c.until((m) => m.event === 'state', 'the full state');
      expect(c.of<ConvergeEvent>('message').map((e) => e.seq)).toEqual(
        events.filter((e) => e.seq > resumeAt).map((e) => e.seq),
      );
      const full = c.of<InspectorStateMessage>('state')[0];
      expect(full.full).toBe(true);
      expect(full.seq).toBe(events.at(-1)!.seq);
      expect(Object.keys(full.modules).sort()).toEqual(['alpha', 'beta']);
    }
    // New events reach every open stream.
    await t.setConfig({ betaEnabled: false });
    const last = t.events.at(-1)!.seq;
    for (const c of [live, byHeader, byQuery]) await c.until((m) => m.id === String(last), `#${last}`);
    expect(byQuery.of<ConvergeEvent>('message').at(-1)).toEqual(t.events.at(-1));
  });

  it('the state messages, merged as the page merges them, give the state the HTML timeline shows after the last event', async () => {
    const events = [...t.events];
    const last = events.at(-1)!.seq;
    await live.until(
      (m) => m.event === 'state' && (JSON.parse(m.data) as InspectorStateMessage).seq === last,
      `state #${last}`,
    );
    let merged: InspectorStateMessage | undefined;
    for (const s of live.of<InspectorStateMessage>('state')) {
      merged = s.full || !merged ? s : { ...s, modules: { ...merged.modules, ...s.modules } };
    }
    const { full: _full, ...view } = merged!;
    expect(view).toEqual(stateAt(buildStateTable(events), last));
  });

  it('time travel: /inspector/state?seq=N is the state the HTML timeline shows after event N', async () => {
    const events = [...t.events];
    const table = buildStateTable(events);
    for (const e of events) {
      const res = (await (
        await fetch(`${server.url}/inspector/state?seq=${e.seq}`)
      ).json()) as InspectorPastState;
      expect(res.state).toEqual(stateAt(table, e.seq));
      expect(res.event).toEqual(e);
    }
    const moduleFailed = events.find((e) => e.type === 'ModuleFailed')!;
    const res = await fetch(`${server.url}/inspector/state?seq=${moduleFailed.seq}`);
    expect(res.status).toBe(200);
    const past = (await res.json()) as InspectorPastState;
    expect(past.event).toEqual(moduleFailed);
    expect(past.state.seq).toBe(moduleFailed.seq);
    const folded = replay(events.filter((e) => e.seq <= moduleFailed.seq));
    expect(past.state.modules.alpha.state).toBe(moduleStateName(folded.modules.alpha));
    expect(past.state.modules.alpha.state).toBe('runFailed');
    expect(past.state.errors.alpha).toContain('database not ready');
    // The newest state agrees with the live engine.
    const now = (await (
      await fetch(`${server.url}/inspector/state?seq=${events.at(-1)!.seq}`)
    ).json()) as InspectorPastState;
    expect(now.state.modules.alpha.state).toBe(moduleStateName(t.engine.state.modules.alpha));
    expect(now.state.enabled).toEqual(t.engine.state.enabled);
  });

  it("a seq beyond the log (a store that was replaced) starts the client over at the log's tail", async () => {
    const last = t.events.at(-1)!.seq;
    const c = await SseClient.open(`${server.url}/inspector/events`, { 'last-event-id': String(last + 500) });
    clients.push(c);
    await c.until((m) => m.event === 'state', 'the full state');
    expect(c.of<InspectorHello>('hello')[0]).toMatchObject({ reset: true, fromSeq: 1, lastSeq: last });
    expect(c.of<ConvergeEvent>('message')).toEqual([...t.events]);
  });

  it('time travel answers 404 for a seq the log does not hold and 400 without one, naming it', async () => {
    const beyond = t.events.at(-1)!.seq + 100;
    const res = await fetch(`${server.url}/inspector/state?seq=${beyond}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain(`seq ${beyond} is not in the log`);
    const bad = await fetch(`${server.url}/inspector/state?seq=x`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("'x'");
  });
});
