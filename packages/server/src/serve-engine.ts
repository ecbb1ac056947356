import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import type { Engine } from '@converge/runtime';
import { debugRoutes } from './debug-routes.js';
import { createInspectorRoutes } from './inspector/index.js';
import { formatHostPort, type ListenAddress, ListenError, parseListenAddress } from './listen-address.js';
import { operatorRoutes } from './operator-routes.js';
import { matchRoute, type Route, sendText } from './route-table.js';

export interface ServeEngineOptions {
  /**
   * `ADDR:PORT` or an address; port 0 picks a free port (read it from the result's `url`).
   * Without it only the debug socket is served.
   */
  listen?: string | ListenAddress;
  /** Also serve addon-operator's debug routes on this unix socket path. */
  debugSocket?: string;
  /** Routes mounted after the operator's and the inspector's, before the 404 (an embedder's own). */
  routes?: Route[];
}

/** A running server: close it before the engine's process exits. */
export interface EngineServer {
  /** `http://host:port` of the main server (the bound port when 0 was asked); "" when none is served. */
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
  const closing = new AbortController();
  let server: Server | undefined;
  let url = '';
  if (options.listen !== undefined) {
    const address = typeof options.listen === 'string' ? parseListenAddress(options.listen) : options.listen;
    const routes = [...operatorRoutes(engine), ...createInspectorRoutes(engine), ...(options.routes ?? [])];
    const main = createServer((req, res) => void handleRequest(routes, req, res, closing.signal));
    await listenOn(main, address);
    server = main;
    const bound = main.address();
    const port = typeof bound === 'object' && bound ? bound.port : address.port;
    // Every interface (0.0.0.0, ::) is reached through the loopback one.
    const host = address.host === '0.0.0.0' ? '127.0.0.1' : address.host === '::' ? '::1' : address.host;
    url = `http://${formatHostPort({ host, port })}`;
  }
  let debugServer: Server | undefined;
  let socketIno: number | undefined;
  if (options.debugSocket) {
    try {
      debugServer = await serveDebugSocket(engine, options.debugSocket, closing.signal);
      socketIno = statSync(options.debugSocket).ino;
    } catch (e) {
      if (server) await closeServer(server);
      throw e;
    }
  }
  let closed: Promise<void> | undefined;
  const socket = options.debugSocket;
  return {
    url,
    ...(socket ? { debugSocket: socket } : {}),
    close() {
      closed ??= (async () => {
        closing.abort();
        await Promise.all([server && closeServer(server), debugServer && closeServer(debugServer)]);
        if (socket) removeOwnSocket(socket, socketIno);
      })();
      return closed;
    },
  };
}

/**
 * Serves addon-operator's debug routes for `engine` on the unix socket `path` (its directory is
 * created). A socket file left by a process that is gone is replaced, as shell-operator's debug
 * server does; one that a live process still answers on is a {@link ListenError} naming it.
 */
export async function serveDebugSocket(engine: Engine, path: string, closing?: AbortSignal): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) {
    if (await answers(path))
      throw new ListenError(
        `cannot listen on ${path}: another process serves this debug socket`,
        path,
        'EADDRINUSE',
      );
    rmSync(path, { force: true });
  }
  const routes = debugRoutes(engine);
  const signal = closing ?? new AbortController().signal;
  const server = createServer((req, res) => void handleRequest(routes, req, res, signal));
  await listenOn(server, path);
  return server;
}

/** True when something accepts connections on the unix socket `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** Removes the socket file at `path` if it is still the one `ino` names (another server may have replaced it). */
function removeOwnSocket(path: string, ino: number | undefined): void {
  try {
    if (ino === undefined || statSync(path).ino === ino) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
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
