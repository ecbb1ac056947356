import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a route's handler gets besides the request and the response. */
export interface RouteContext {
  /** The request URL, parsed against the server's own address (`url.searchParams` for the query). */
  readonly url: URL;
  /** The capture groups of a RegExp `path` (empty for a string path). */
  readonly params: readonly string[];
  /**
   * Aborted when the server closes or the client goes away: long-lived responses (server-sent
   * events) end their subscriptions on it. The server ends every open response on close anyway.
   */
  readonly signal: AbortSignal;
}

/**
 * One entry of a server's route table. `path` is an exact pathname, or a RegExp tested against the
 * whole pathname (anchor it) whose capture groups become `ctx.params`. `method` defaults to GET
 * (a GET route also answers HEAD). A handler writes the whole response; a throw becomes a 500
 * naming the route.
 */
export interface Route {
  readonly method?: string;
  readonly path: string | RegExp;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RouteContext): void | Promise<void>;
}

/** The first route of `routes` that matches `method` and `pathname`, with its captures. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    const want = route.method ?? 'GET';
    if (want !== method && !(want === 'GET' && method === 'HEAD')) continue;
    if (typeof route.path === 'string') {
      if (route.path === pathname) return { route, params: [] };
      continue;
    }
    const m = route.path.exec(pathname);
    if (m && m[0] === pathname) return { route, params: m.slice(1).map((p) => decodeURIComponent(p ?? '')) };
  }
  return undefined;
}

/** Writes a complete response with a content type. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Writes a plain-text response (a trailing newline is added, as curl users expect). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a JSON response. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', `${JSON.stringify(value)}\n`);
}
