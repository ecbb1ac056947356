import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HookRunRequest, Logger } from '@converge/core';
import { ProcessHookRunner, type ProcessHookRunnerOptions } from '../src/index.js';

export const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const modulesDir = join(fixtures, 'hooks-modules');

export interface LogRecord {
  level: string;
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A Logger that keeps every record. */
export function recordingLogger(
  records: LogRecord[] = [],
  bindings: object = {},
  onRecord?: (record: LogRecord) => void,
): Logger & { records: LogRecord[] } {
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      const record = { level, fields: { ...bindings, ...obj }, msg };
      records.push(record);
      onRecord?.(record);
    };
  return {
    records,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (b: object) => recordingLogger(records, { ...bindings, ...b }, onRecord),
  };
}

export function fixtureRunner(options: Partial<ProcessHookRunnerOptions> = {}) {
  const logger = recordingLogger();
  const runner = new ProcessHookRunner({
    moduleHooksDir: (module) => join(modulesDir, module, 'hooks'),
    logger,
    ...options,
  });
  return { runner, logger };
}

export function request(
  module: string | undefined,
  name: string,
  extra: Partial<HookRunRequest> = {},
): HookRunRequest {
  return {
    hook: { ...(module ? { module } : {}), name },
    binding: 'beforeHelm',
    bindingContexts: [{ binding: 'beforeHelm' }],
    values: { global: {}, [module ?? 'global']: {} },
    configValues: { global: {} },
    timeoutMs: 0,
    ...extra,
  };
}

/** Lines the hook printed on stdout with the given prefix (from the recorded hook log). */
export function printed(records: LogRecord[], prefix: string): string[] {
  return records
    .filter((r) => r.fields.output === 'stdout' && r.msg?.startsWith(`${prefix} `))
    .map((r) => (r.msg as string).slice(prefix.length + 1));
}
