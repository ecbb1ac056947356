import type { ConvergeEvent } from '@converge/protocol';

/**
 * Server-sent event frames (WHATWG HTML, "Server-sent events"): a log event is a default-type
 * message whose `id` is its seq, so `EventSource` resumes after it; other messages are named.
 * JSON never holds a raw newline, so each data fits one `data:` line.
 */
export function eventFrame(e: ConvergeEvent): string {
  return `id: ${e.seq}\ndata: ${JSON.stringify(e)}\n\n`;
}

/** A named message (`event: NAME`) carrying `value` as JSON. */
export function namedFrame(name: string, value: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`;
}

/** A comment line: keeps idle connections open through proxies; `EventSource` ignores it. */
export const keepAliveFrame = ': keep-alive\n\n';

/**
 * The seq a stream resumes after: `Last-Event-ID` (sent by a reconnecting `EventSource`) wins over
 * `?after=SEQ`; undefined when neither is a non-negative integer.
 */
export function resumeSeq(
  lastEventId: string | string[] | undefined,
  after: string | null,
): number | undefined {
  for (const v of [Array.isArray(lastEventId) ? lastEventId[0] : lastEventId, after ?? undefined]) {
    if (v !== undefined && /^\d+$/.test(v.trim())) return Number(v.trim());
  }
  return undefined;
}
