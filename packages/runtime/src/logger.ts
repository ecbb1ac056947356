import type { Logger } from '@converge/core';
import { pino } from 'pino';

/**
 * A pino logger with addon-operator's field names (module, hook, binding, queue, task.id).
 * `level` defaults to `LOG_LEVEL` or `info`; output goes to stderr so stdout stays for data.
 */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  return pino(
    { level, base: undefined },
    (options.destination ?? process.stderr) as pino.DestinationStream,
  ) as unknown as Logger;
}

/** A logger that drops everything (tests and benchmarks). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A logger that keeps every record in memory, for assertions. */
export class MemoryLogger implements Logger {
  readonly records: { level: string; msg?: string; [k: string]: unknown }[] = [];
  constructor(private readonly bindings: object = {}) {}
  private push(level: string, obj: object, msg?: string) {
    this.records.push({ level, ...this.bindings, ...obj, msg });
  }
  debug(obj: object, msg?: string) {
    this.push('debug', obj, msg);
  }
  info(obj: object, msg?: string) {
    this.push('info', obj, msg);
  }
  warn(obj: object, msg?: string) {
    this.push('warn', obj, msg);
  }
  error(obj: object, msg?: string) {
    this.push('error', obj, msg);
  }
  child(bindings: object): Logger {
    const child = new MemoryLogger({ ...this.bindings, ...bindings });
    (child as unknown as { records: unknown[] }).records = this.records as unknown[];
    return child;
  }
}
