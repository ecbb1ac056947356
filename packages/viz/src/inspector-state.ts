import { applyEvent, type EngineState, initialEngineState } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { convergeView, type ModuleView, moduleView, type StateView } from './timeline-state.js';

/**
 * The messages of the live inspector's event stream (server-sent events). Each log event is a
 * message of the default type with `id: <seq>` and the event as its data, so a reconnecting
 * `EventSource` resumes after the last seq it saw (`Last-Event-ID`). The other messages are named.
 */
export interface InspectorHello {
  /** The seq of the newest event in the log when the stream opened (0 for an empty log). */
  lastSeq: number;
  /** The seq of the first event the stream sends (events before it are not sent). */
  fromSeq: number;
  /** The run id of the engine being served. */
  runId?: string;
  /**
   * The seq the client resumed after is beyond this log (its store was replaced): the client
   * drops what it has; the stream starts at the log's tail.
   */
  reset?: boolean;
}

/**
 * `event: state`: the engine state after event `seq`, folded by the engine itself. `modules` holds
 * only the modules whose lifecycle snapshot changed since the previous state message of the
 * stream (all of them when `full`).
 */
export interface InspectorStateMessage extends StateView {
  full: boolean;
}

/** One queue as the inspector shows it: its head task, its length and a pending retry. */
export interface InspectorQueue {
  name: string;
  /** The head task (the running one while a handler runs), e.g. `ModuleRun:alpha`. */
  head?: string;
  running: boolean;
  length: number;
  /** Engine-clock time at which a queue sleeping after a failure (or a repeat) takes its head again. */
  sleepingUntil?: number;
  /** The head task's failures so far and its last error (a retried task). */
  failures?: number;
  lastError?: string;
}

/** `event: queues`: every queue at engine-clock time `now` (sent when something in it changed). */
export interface InspectorQueuesMessage {
  now: number;
  queues: InspectorQueue[];
}

/** What the inspector's time travel route answers: the state after `seq` and the event itself. */
export interface InspectorPastState {
  state: StateView;
  event: ConvergeEvent;
}

/**
 * The state view of a live engine state: the same fields as the timeline's state table gives after
 * the event `state.seq` (`moduleView`, `convergeView`). With `onlyModules`, `modules` holds only
 * those names (a delta); without it, every module the state knows.
 */
export function stateViewOf(state: EngineState, onlyModules?: Iterable<string>): StateView {
  const modules: Record<string, ModuleView> = {};
  for (const name of onlyModules ?? Object.keys(state.modules)) {
    const snap = state.modules[name];
    if (snap) modules[name] = moduleView(snap);
  }
  return {
    seq: state.seq,
    startup: String(state.startup.value),
    converge: convergeView(state),
    modules,
    enabled: [...state.enabled],
    errors: { ...state.errors },
  };
}

/**
 * The state view after folding `events` (in seq order) into `from` with core's `applyEvent`: the
 * fold `buildStateTable` runs for the timeline, without keeping a row per event, so it fits a log
 * of any length. `from` (default: the initial state) is folded in place.
 */
export function foldStateView(
  events: Iterable<ConvergeEvent>,
  from: EngineState = initialEngineState(),
): StateView {
  for (const e of events) applyEvent(from, e);
  return stateViewOf(from);
}
