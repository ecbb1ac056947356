import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Engine } from '@converge/runtime';
import { createInspectorRoutes } from './inspector/index.js';
import { formatHostPort, type ListenAddress, ListenError, parseListenAddress } from './listen-address.js';
import { operatorRoutes } from './operator-routes.js';
import { matchRoute, type Route, sendText } from './route-table.js';

export interface ServeEngineOptions {
  /** `ADDR:PORT` or an address; port 0 picks a free port (read it from the result's `url`). */
  listen: string | ListenAddress;
  /** Also serve addon-operator's debug routes on this unix socket path. */
  debugSocket?: string;
  /** Routes mounted after the operator's and the inspector's, before the 404 (an embedder's own). */
  routes?: Route[];
}

/** A running server: close it before the engine's process exits. */
export interface EngineServer {
  /** `http://host:port` of the main server (the bound port when 0 was asked). */
  readonly url: string;
  /** The debug socket's path when one is served. */
  readonly debugSocket?: string;
  /** Stops listening, ends open responses (event streams included) and removes the debug socket. */
  close(): Promise<void>;
}

/**
 * Serves addon-operator's HTTP endpoints for `engine` (`/metrics`, `/metrics/hooks`, `/healthz`,
 * `/readyz`, `/status/converge`) plus the inspector's routes at `/`, on node:http. Rejects with a
 * {@link ListenError} naming the address when it cannot be bound (a port in use among others).
 */
export async function serveEngine(engine: Engine, options: ServeEngineOptions): Promise<EngineServer> {
  const address = typeof options.listen === 'string' ? parseListenAddress(options.listen) : options.listen;
  const closing = new AbortController();
  const routes = [...operatorRoutes(engine), ...createInspectorRoutes(engine), ...(options.routes ?? [])];
  const server = createServer((req, res) => void handleRequest(routes, req, res, closing.signal));
  await listenOn(server, address);
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  const url = `http://${formatHostPort({ host: address.host === '0.0.0.0' ? '127.0.0.1' : address.host, port })}`;
  let closed: Promise<void> | undefined;
  return {
    url,
    close() {
      closed ??= (async () => {
        closing.abort();
        await closeServer(server);
      })();
      return closed;
    },
  };
}

/** Dispatches one request through `routes`; unknown paths get a 404, a throwing handler a 500. */
export async function handleRequest(
  routes: readonly Route[],
  req: IncomingMessage,
  res: ServerResponse,
  closing: AbortSignal,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const found = matchRoute(routes, req.method ?? 'GET', url.pathname);
  if (!found) {
    sendText(res, 404, `404 page not found: ${url.pathname}`);
    return;
  }
  const gone = new AbortController();
  const abort = () => gone.abort();
  closing.addEventListener('abort', abort, { once: true });
  res.on('close', () => {
    closing.removeEventListener('abort', abort);
    abort();
  });
  try {
    await found.route.handle(req, res, { url, params: found.params, signal: gone.signal });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!res.headersSent) sendText(res, 500, `${req.method} ${url.pathname} failed: ${message}`);
    else res.destroy();
  }
}

/** Binds `server`; a bind failure becomes a {@link ListenError} naming the address. */
export function listenOn(server: Server, address: ListenAddress | string): Promise<void> {
  const name = typeof address === 'string' ? address : formatHostPort(address);
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'address already in use (another process listens there; choose another with --listen ADDR:PORT)'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.message;
      reject(new ListenError(`cannot listen on ${name}: ${why}`, name, e.code, { cause: e }));
    };
    server.once('error', onError);
    const done = () => {
      server.off('error', onError);
      resolve();
    };
    if (typeof address === 'string') server.listen(address, done);
    else server.listen(address.port, address.host, done);
  });
}

/** Stops `server` and ends its open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
