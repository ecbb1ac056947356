import type { Logger } from '@converge/core';

/**
 * Turns a hook's stdout/stderr into log records the way shell-operator's default mode does
 * (shell-operator pkg/executor/executor.go): lines are trimmed and empty ones dropped; a line starting with `{` is joined with the
 * following lines until it parses as a JSON object, which becomes a structured record (`level`,
 * `msg`, `time` dropped, other keys as `hook_<key>`); other lines longer than 10 000 characters are
 * cut with a `:truncated` suffix. Memory is bounded: a partial line or JSON buffer never grows past
 * `maxBuffer` characters.
 */

export interface HookLogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

const MAX_LINE = 10_000;
const DEFAULT_MAX_BUFFER = 64 * 1024;

const levels: Record<string, HookLogRecord['level']> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  fatal: 'error',
  panic: 'error',
};

function truncate(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}:truncated` : line;
}

function jsonRecord(value: Record<string, unknown>): HookLogRecord {
  const fields: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'level' || key === 'msg' || key === 'time') continue;
    fields[`hook_${key}`] = v;
  }
  const level = typeof value.level === 'string' ? (levels[value.level.toLowerCase()] ?? 'info') : 'info';
  const msg = typeof value.msg === 'string' ? value.msg : 'hook result';
  return { level, msg, fields };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Splits a stream of text chunks into log records; call `end()` once the stream is closed. */
export class HookLogLineParser {
  private partial = '';
  private json = '';

  constructor(
    private readonly emit: (record: HookLogRecord) => void,
    private readonly maxBuffer = DEFAULT_MAX_BUFFER,
  ) {}

  write(chunk: string): void {
    const text = this.partial + chunk;
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
    if (this.partial.length > this.maxBuffer) {
      // A very long line: log what has arrived so far as one (cut) record and start over.
      const head = this.partial;
      this.partial = '';
      this.line(head);
    }
  }

  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.flushJson();
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (line === '') return;
    if (this.json) {
      this.json += line;
      const value = parseObject(this.json);
      if (value) {
        this.json = '';
        this.emit(jsonRecord(value));
      } else if (this.json.length > this.maxBuffer) this.flushJson();
      return;
    }
    if (line.startsWith('{')) {
      const value = parseObject(line);
      if (value) this.emit(jsonRecord(value));
      else this.json = line;
      return;
    }
    this.emit({ level: 'info', msg: truncate(line), fields: {} });
  }

  /** A `{` line that never became JSON is logged as text (shell-operator would drop it). */
  private flushJson(): void {
    if (!this.json) return;
    const text = this.json;
    this.json = '';
    this.emit({ level: 'info', msg: truncate(text), fields: {} });
  }
}

/** A parser that writes each record to `logger` with `labels` and `output=<stream>`. */
export function hookLogParser(logger: Logger, labels: Record<string, unknown>, output: 'stdout' | 'stderr') {
  return new HookLogLineParser((r) => logger[r.level]({ ...labels, ...r.fields, output }, r.msg));
}
