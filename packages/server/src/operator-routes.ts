import type { Engine } from '@converge/runtime';
import { convergeStatusJson, convergeStatusLines } from './converge-status.js';
import { type Route, send, sendJson, sendText } from './route-table.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * addon-operator's main HTTP routes (`pkg/addon-operator/http_server.go`): `/healthz` (always
 * 200), `/readyz` (500 until the first converge is done, then 200), `/status/converge`
 * (`?output=json`), `/metrics` and `/metrics/hooks` (Prometheus text; empty when the engine was
 * created with a sink that has no exposition, such as `nullMetrics` or a `MemoryMetrics`).
 */
export function operatorRoutes(engine: Engine): Route[] {
  // The engine's sink knows its exposition: createEngine's default (OnDemandMetrics) keeps
  // addon-operator's metrics from the moment they are served, a PrometheusMetrics always.
  const prometheus = engine.core.metrics as {
    text?: () => Promise<string>;
    hookText?: () => Promise<string>;
    enable?: () => unknown;
  };
  prometheus.enable?.();
  return [
    // addon-operator answers 200 with an empty body.
    { path: '/healthz', handle: (_q, res) => send(res, 200, 'text/plain; charset=utf-8', '') },
    {
      path: '/readyz',
      handle: (_q, res) =>
        engine.status().ready
          ? sendText(res, 200, 'Startup converge done.')
          : sendText(res, 500, 'Startup converge in progress'),
    },
    {
      path: '/status/converge',
      handle: (_q, res, { url }) => {
        const s = engine.status();
        if (url.searchParams.get('output') === 'json') sendJson(res, 200, convergeStatusJson(s));
        else sendText(res, 200, convergeStatusLines(s).join('\n'));
      },
    },
    {
      path: '/metrics',
      handle: async (_q, res) => send(res, 200, PROMETHEUS_TEXT, (await prometheus.text?.()) ?? ''),
    },
    {
      path: '/metrics/hooks',
      handle: async (_q, res) => send(res, 200, PROMETHEUS_TEXT, (await prometheus.hookText?.()) ?? ''),
    },
  ];
}
