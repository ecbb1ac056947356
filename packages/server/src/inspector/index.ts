import type { Engine } from '@converge/runtime';
import type { Route } from '../route-table.js';

/**
 * The live inspector's routes (the page at `/` and its event stream).
 *
 * Mounting contract: `serveEngine` calls this once per server with the engine it serves and mounts
 * the returned routes on the main HTTP server after its own routes (`/metrics`, `/metrics/hooks`,
 * `/healthz`, `/readyz`, `/status/converge`) and before its 404, so an inspector route never
 * shadows those paths. Routes are matched in the order returned. Long-lived responses must end on
 * `ctx.signal` (aborted when the server closes or the client leaves); `close()` also ends every
 * open connection. Nothing here may block the engine: read `engine.events`/`engine.onEvent` only.
 */
export function createInspectorRoutes(_engine: Engine): Route[] {
  return [];
}
