import type { Engine } from '@converge/runtime';
import { renderInspectorPage } from '@converge/viz';
import { type Route, send, sendJson, sendText } from '../route-table.js';
import { InspectorFeed, type InspectorFeedOptions } from './inspector-feed.js';
import { PastStateError, PastStates } from './past-states.js';

export { InspectorFeed, type InspectorFeedOptions } from './inspector-feed.js';
export { PastStateError, PastStates } from './past-states.js';

export interface InspectorOptions extends InspectorFeedOptions {
  /** The page's title (default `converge inspector`). */
  title?: string;
}

/**
 * The live inspector's routes (the page at `/` and its event stream).
 *
 * Mounting contract: `serveEngine` calls this once per server with the engine it serves and mounts
 * the returned routes on the main HTTP server after its own routes (`/metrics`, `/metrics/hooks`,
 * `/healthz`, `/readyz`, `/status/converge`) and before its 404, so an inspector route never
 * shadows those paths. Routes are matched in the order returned. Long-lived responses must end on
 * `ctx.signal` (aborted when the server closes or the client leaves); `close()` also ends every
 * open connection. Nothing here may block the engine: read `engine.events`/`engine.events$` only.
 *
 * Routes: `GET /` the page (`renderInspectorPage` of `@converge/viz`), `GET /inspector/events`
 * server-sent events of the log (resuming after `Last-Event-ID` or `?after=SEQ`), and
 * `GET /inspector/state?seq=N` the state after event N as JSON (time travel).
 */
export function createInspectorRoutes(engine: Engine, options: InspectorOptions = {}): Route[] {
  // Rendered once, on the first request (Graphviz lays the charts out asynchronously).
  let page: Promise<string> | undefined;
  const pageOnce = () => {
    page ??= renderInspectorPage({ title: options.title ?? 'converge inspector', base: 'inspector/' });
    return page;
  };
  const feed = new InspectorFeed(engine, options);
  const past = new PastStates(engine.core.store);
  return [
    {
      path: '/',
      handle: async (_req, res) => send(res, 200, 'text/html; charset=utf-8', await pageOnce()),
    },
    {
      path: '/inspector/events',
      handle: (req, res, ctx) => feed.open(req, res, ctx.url, ctx.signal),
    },
    {
      path: '/inspector/state',
      handle: async (_req, res, { url }) => {
        const raw = url.searchParams.get('seq');
        if (raw === null || !/^\d+$/.test(raw)) {
          sendText(
            res,
            400,
            `/inspector/state needs ?seq=N (a positive integer), got ${raw === null ? 'none' : `'${raw}'`}`,
          );
          return;
        }
        try {
          sendJson(res, 200, await past.at(Number(raw)));
        } catch (e) {
          if (e instanceof PastStateError) sendText(res, e.status, e.message);
          else throw e;
        }
      },
    },
  ];
}
