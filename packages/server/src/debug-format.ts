import type { ServerResponse } from 'node:http';
import { stringify } from 'yaml';
import { send, sendText } from './route-table.js';

/** The output formats of addon-operator's debug routes (`<path>.json`, `.yaml`, `.text`). */
export type DebugFormat = 'json' | 'yaml' | 'text';

/** A debug handler's failure with the status shell-operator's debug server gives it. */
export class DebugRouteError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 | 500,
  ) {
    super(message);
  }
}

/**
 * Writes `value` as shell-operator's debug server does (`pkg/debug/server.go`): `yaml` with a
 * 2-space indent, `json` as one line, `text` as the string itself (a non-string value as JSON).
 */
export function sendFormatted(res: ServerResponse, format: DebugFormat, value: unknown): void {
  if (format === 'yaml') send(res, 200, 'application/yaml', stringify(value ?? null, { indent: 2 }));
  else if (format === 'json' || typeof value !== 'string')
    send(
      res,
      200,
      format === 'json' ? 'application/json' : 'text/plain; charset=utf-8',
      `${JSON.stringify(value)}\n`,
    );
  else sendText(res, 200, value);
}
