import { createServer, type Server } from 'node:http';
import type { Engine } from '@converge/runtime';
import {
  formatHostPort,
  ListenError,
  matchRoute,
  operatorRoutes,
  parseListenAddress,
  type Route,
  send,
  sendJson,
  sendText,
} from '@converge/server';
import type { TargetEngine } from './target-engine.js';

/** A replica's HTTP server (`converge fleet --listen`). */
export interface FleetServer {
  /** `http://host:port`, with the bound port when 0 was asked. */
  readonly url: string;
  close(): Promise<void>;
}

const TARGET_PATH = /^\/targets\/([^/]+)(\/.*)$/;

/**
 * Serves a fleet replica on `listen` (`ADDR:PORT`, port 0 for a free one): `/healthz` (200),
 * `/readyz` (200 when every target this replica runs is ready, else 500 naming the others),
 * `/targets` (JSON: `[{ target, ready }]` of this replica), and each of its targets' addon-operator
 * routes under `/targets/<name>/` (`/metrics`, `/metrics/hooks`, `/readyz`, `/status/converge`, as
 * `converge run --listen` serves them for one engine). Rejects with ListenError naming the address.
 */
export async function serveFleet(
  listen: string,
  running: () => Map<string, TargetEngine | undefined>,
): Promise<FleetServer> {
  const address = parseListenAddress(listen);
  const perEngine = new WeakMap<Engine, Route[]>();
  const routesOf = (engine: Engine) => {
    const known = perEngine.get(engine);
    if (known) return known;
    const routes = operatorRoutes(engine);
    perEngine.set(engine, routes);
    return routes;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fleet');
    const method = req.method ?? 'GET';
    const targets = running();
    if (url.pathname === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', '');
    if (url.pathname === '/targets')
      return sendJson(
        res,
        200,
        [...targets].map(([target, e]) => ({ target, ready: e?.ready() ?? false })),
      );
    if (url.pathname === '/readyz') {
      const waiting = [...targets].filter(([, e]) => !e?.ready()).map(([t]) => t);
      return waiting.length === 0
        ? sendText(res, 200, `ready: ${targets.size} targets`)
        : sendText(res, 500, `not ready: ${waiting.join(', ')}`);
    }
    const m = TARGET_PATH.exec(url.pathname);
    const engine = m ? targets.get(decodeURIComponent(m[1] ?? ''))?.engine : undefined;
    if (!m || !engine) return sendText(res, 404, `not found: ${url.pathname}`);
    const inner = new URL(url);
    inner.pathname = m[2] ?? '/';
    const found = matchRoute(routesOf(engine), method, inner.pathname);
    if (!found) return sendText(res, 404, `not found: ${url.pathname}`);
    const closing = new AbortController();
    res.once('close', () => closing.abort());
    Promise.resolve(
      found.route.handle(req, res, { url: inner, params: found.params, signal: closing.signal }),
    ).catch((e) => {
      if (!res.headersSent)
        sendText(res, 500, `${url.pathname}: ${e instanceof Error ? e.message : String(e)}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new ListenError(
          `cannot listen on ${formatHostPort(address)}: ${e.message}`,
          formatHostPort(address),
          e.code,
          {
            cause: e,
          },
        ),
      ),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
  return {
    url: `http://${formatHostPort({ host, port })}`,
    close: () => closeServer(server),
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
