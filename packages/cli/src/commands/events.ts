import type { ConvergeEvent } from '@converge/protocol';
import { readLog } from '../log-source.js';

export interface EventsOptions {
  log: string;
  module?: string;
  type?: string[];
  from?: number;
  to?: number;
  json: boolean;
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
  const { events, problems } = await readLog(o.log);
  for (const e of events) {
    if (o.module && (e as { module?: string }).module !== o.module) continue;
    if (o.type?.length && !o.type.includes(e.type)) continue;
    if (o.from !== undefined && e.seq < o.from) continue;
    if (o.to !== undefined && e.seq > o.to) continue;
    out.write(`${o.json ? JSON.stringify(e) : formatEvent(e)}\n`);
  }
  for (const p of problems) process.stderr.write(`warning: ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}
