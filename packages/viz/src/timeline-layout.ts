import type { ConvergeEvent } from '@converge/protocol';

/** The lane an event belongs to: its module, or `global` for global hooks and engine events. */
export const GLOBAL_LANE = 'global';

export function laneOf(event: ConvergeEvent): string {
  if ('module' in event && typeof event.module === 'string' && event.module !== '') return event.module;
  if ((event.type === 'ValuesChanged' || event.type === 'ConfigValuesChanged') && event.scope !== 'global')
    return event.scope;
  return GLOBAL_LANE;
}

/** A hook run: HookStarted until its HookSucceeded or HookFailed (or the end of the log: `open`). */
export interface HookSpan {
  lane: string;
  hook: string;
  binding: string;
  attempt: number;
  startSeq: number;
  endSeq: number;
  outcome: 'succeeded' | 'failed' | 'allowed-failure' | 'open';
  error?: string;
  /** Row within the lane, so that overlapping runs do not cover each other. */
  track: number;
}

/** A module run or delete, or a converge: from its start event to its end or failure. */
export interface PhaseBand {
  lane: string;
  label: string;
  kind: 'run' | 'delete' | 'converge';
  startSeq: number;
  endSeq: number;
  outcome: 'done' | 'failed' | 'interrupted' | 'open';
}

/** A RetryScheduled event and the point on the axis when the retry is due. */
export interface RetryArc {
  lane: string;
  seq: number;
  delayMs: number;
  attempt: number;
  task: string;
  /** x of the due time: the first event at or after `at + delayMs`, or past the end. */
  dueX: number;
}

export interface TimeTick {
  x: number;
  at: string;
  /** Milliseconds since the first event. */
  offsetMs: number;
}

/**
 * Where everything goes on the timeline. The axis is the `at` time, but events that share a
 * timestamp (the virtual clock) each get their own slot in seq order; a jump in time adds a gap
 * whose width grows with the logarithm of the jump.
 */
export interface TimelineLayout {
  lanes: string[];
  x: Map<number, number>;
  width: number;
  slot: number;
  spans: HookSpan[];
  bands: PhaseBand[];
  retries: RetryArc[];
  ticks: TimeTick[];
  tracks: Map<string, number>;
}

const time = (e: ConvergeEvent) => Date.parse(e.at);

/** Pixels between two events `dtMs` apart (0 when they share a timestamp or nearly). */
export function gapFor(dtMs: number): number {
  if (!(dtMs >= 20)) return 0;
  return Math.min(120, Math.round(14 * Math.log2(dtMs / 20) + 6));
}

export function layoutTimeline(
  events: readonly ConvergeEvent[],
  options: { slot?: number } = {},
): TimelineLayout {
  const slot = options.slot ?? 16;
  const lanes = [GLOBAL_LANE];
  for (const e of events) {
    if (e.type === 'EngineStarted')
      for (const m of e.modules) if (!lanes.includes(m.name)) lanes.push(m.name);
    const lane = laneOf(e);
    if (!lanes.includes(lane)) lanes.push(lane);
  }
  const x = new Map<number, number>();
  const ticks: TimeTick[] = [];
  const t0 = events.length > 0 ? time(events[0]) : 0;
  let pos = slot / 2;
  events.forEach((e, i) => {
    const dt = i === 0 ? 0 : time(e) - time(events[i - 1]);
    if (i > 0) pos += slot + gapFor(dt);
    if (i === 0 || dt > 0) ticks.push({ x: pos, at: e.at, offsetMs: time(e) - t0 });
    x.set(e.seq, pos);
  });
  const width = pos + slot / 2;
  const { spans, tracks } = hookSpans(events);
  return {
    lanes,
    x,
    width,
    slot,
    spans,
    bands: phaseBands(events),
    retries: retryArcs(events, x, width),
    ticks,
    tracks,
  };
}

function hookSpans(events: readonly ConvergeEvent[]): { spans: HookSpan[]; tracks: Map<string, number> } {
  const spans: HookSpan[] = [];
  const open = new Map<string, HookSpan>();
  const last = events.length > 0 ? events[events.length - 1].seq : 0;
  for (const e of events) {
    if (e.type !== 'HookStarted' && e.type !== 'HookSucceeded' && e.type !== 'HookFailed') continue;
    const key = `${e.module ?? ''}\u0000${e.hook}\u0000${e.binding}`;
    if (e.type === 'HookStarted') {
      const span: HookSpan = {
        lane: laneOf(e),
        hook: e.hook,
        binding: e.binding,
        attempt: e.attempt,
        startSeq: e.seq,
        endSeq: last,
        outcome: 'open',
        track: 0,
      };
      spans.push(span);
      open.set(key, span);
      continue;
    }
    const span = open.get(key);
    if (!span) continue;
    open.delete(key);
    span.endSeq = e.seq;
    if (e.type === 'HookSucceeded') span.outcome = 'succeeded';
    else {
      span.outcome = e.allowed ? 'allowed-failure' : 'failed';
      span.error = e.error;
    }
  }
  // Greedy tracks per lane: a span takes the first track free at its start.
  const tracks = new Map<string, number>();
  const ends = new Map<string, number[]>();
  for (const span of spans) {
    const laneEnds = ends.get(span.lane) ?? [];
    let track = laneEnds.findIndex((end) => end < span.startSeq);
    if (track < 0) track = laneEnds.length;
    laneEnds[track] = span.endSeq;
    ends.set(span.lane, laneEnds);
    span.track = track;
    tracks.set(span.lane, Math.max(tracks.get(span.lane) ?? 0, track + 1));
  }
  return { spans, tracks };
}

function phaseBands(events: readonly ConvergeEvent[]): PhaseBand[] {
  const bands: PhaseBand[] = [];
  const open = new Map<string, PhaseBand>();
  const last = events.length > 0 ? events[events.length - 1].seq : 0;
  const begin = (lane: string, band: Omit<PhaseBand, 'lane' | 'endSeq' | 'outcome'>) => {
    close(lane, band.startSeq, 'failed', true);
    const b: PhaseBand = { lane, ...band, endSeq: last, outcome: 'open' };
    bands.push(b);
    open.set(lane, b);
  };
  const close = (lane: string, seq: number, outcome: PhaseBand['outcome'], restarted = false) => {
    const b = open.get(lane);
    if (!b) return;
    open.delete(lane);
    b.endSeq = seq;
    // A phase that a new start cuts short is interrupted, not failed.
    b.outcome = restarted ? 'interrupted' : outcome;
  };
  for (const e of events) {
    switch (e.type) {
      case 'ConvergeStarted':
        begin(GLOBAL_LANE, {
          kind: 'converge',
          label: `converge ${e.convergeId} (${e.reason})`,
          startSeq: e.seq,
        });
        break;
      case 'ConvergeCompleted':
        close(GLOBAL_LANE, e.seq, 'done');
        break;
      case 'ModuleRunStarted':
        begin(e.module, { kind: 'run', label: `run, attempt ${e.attempt}`, startSeq: e.seq });
        break;
      case 'ModuleDeleteStarted':
        begin(e.module, { kind: 'delete', label: `delete, attempt ${e.attempt}`, startSeq: e.seq });
        break;
      case 'ModuleReady':
      case 'ModuleDeleted':
      case 'ModuleRunSkipped':
        close(e.module, e.seq, 'done');
        break;
      case 'ModuleFailed':
        close(e.module, e.seq, 'failed');
        break;
    }
  }
  return bands;
}

function retryArcs(events: readonly ConvergeEvent[], x: Map<number, number>, width: number): RetryArc[] {
  const arcs: RetryArc[] = [];
  const times = events.map(time);
  // The first index after `from` whose time is at least `due` (times never decrease along the log).
  const firstAtOrAfter = (from: number, due: number) => {
    let lo = from + 1;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] >= due) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  events.forEach((e, i) => {
    if (e.type !== 'RetryScheduled') return;
    const next = events[firstAtOrAfter(i, times[i] + e.delayMs)];
    arcs.push({
      lane: laneOf(e),
      seq: e.seq,
      delayMs: e.delayMs,
      attempt: e.attempt,
      task: e.task,
      dueX: next ? x.get(next.seq)! : width,
    });
  });
  return arcs;
}

/** `5s`, `1.5s`, `250ms`, `2m 5s`: a delay as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const m = Math.floor(ms / 60_000);
  const s = Number(((ms % 60_000) / 1000).toFixed(3));
  return s === 0 ? `${m}m` : `${m}m ${s}s`;
}
