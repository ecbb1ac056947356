import type { ConvergeEvent } from '@converge/protocol';
import { followLog, readLog } from '../log-source.js';

export interface EventsOptions {
  log: string;
  module?: string;
  type?: string[];
  from?: number;
  to?: number;
  json: boolean;
  /** The stream of a PostgreSQL log (default `embedded`). */
  stream?: string;
  /** Keep printing events as they are appended, until SIGINT or SIGTERM (exit 0). */
  follow?: boolean;
}

/** One readable line for an event: seq, time, type, who, and the interesting fields. */
export function formatEvent(e: ConvergeEvent): string {
  const r = e as Record<string, unknown>;
  const who = [r.module, r.hook, r.binding].filter((x) => typeof x === 'string' && x).join(' ');
  const extra: string[] = [];
  for (const k of [
    'reason',
    'trigger',
    'phase',
    'operation',
    'delayMs',
    'attempt',
    'revision',
    'exists',
    'error',
  ] as const)
    if (r[k] !== undefined && !(k === 'attempt' && e.type === 'HookSucceeded'))
      extra.push(`${k}=${typeof r[k] === 'string' ? r[k] : JSON.stringify(r[k])}`);
  return `${String(e.seq).padStart(6)} ${e.at} ${e.type.padEnd(24)} ${who}${extra.length ? `  ${extra.join(' ')}` : ''}`;
}

/** `converge events <log>`: prints the log, filtered by module, type or seq range. */
export async function eventsCommand(
  o: EventsOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const print = (e: ConvergeEvent) => {
    if (o.module && (e as { module?: string }).module !== o.module) return;
    if (o.type?.length && !o.type.includes(e.type)) return;
    if (o.from !== undefined && e.seq < o.from) return;
    if (o.to !== undefined && e.seq > o.to) return;
    out.write(`${o.json ? JSON.stringify(e) : formatEvent(e)}\n`);
  };
  if (o.follow) return followEvents(o, print);
  const { events, problems } = await readLog(o.log, o.stream ? { stream: o.stream } : {});
  for (const e of events) print(e);
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

/**
 * `converge events <log> --follow`: prints the log, then every event appended to it, until SIGINT
 * or SIGTERM (exit 0) or until the log cannot be read any more (exit 1, with the reason).
 */
async function followEvents(o: EventsOptions, print: (e: ConvergeEvent) => void): Promise<number> {
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const onSignal = () => finish(0);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const follower = await followLog(o.log, {
      ...(o.stream ? { stream: o.stream } : {}),
      ...(o.from !== undefined ? { fromSeq: o.from } : {}),
      onEvent: (e) => {
        print(e);
        if (o.to !== undefined && e.seq >= o.to) finish(0);
      },
      onError: (e) => {
        process.stderr.write(`converge: ${e.message}\n`);
        finish(1);
      },
    });
    const code = await finished;
    await follower.close();
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
