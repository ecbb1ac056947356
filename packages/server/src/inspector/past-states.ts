import {
  type EngineState,
  type EventStore,
  initialEngineState,
  type PersistedEngineState,
  restoreEngineState,
} from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { buildStateTable, type InspectorPastState, type StateTable, stateAt } from '@converge/viz';

/** Why the state after a seq cannot be shown: the seq is not in the log, or no longer retained. */
export class PastStateError extends Error {
  constructor(
    message: string,
    /** HTTP status the route answers with: 404 (not in the log) or 410 (no longer retained). */
    readonly status: 404 | 410,
  ) {
    super(message);
  }
}

/**
 * Time travel: the engine state after any seq of the log, folded with the timeline's own fold
 * (`buildStateTable` of `@converge/viz`, which folds with core's `applyEvent`). The table of the
 * whole log is built on the first request and rebuilt only when a later seq is asked for.
 */
export class PastStates {
  private cache: { last: number; table: StateTable; events: Map<number, ConvergeEvent> } | undefined;

  constructor(private readonly store: EventStore) {}

  /** The state after `seq` and the event `seq` itself. */
  at(seq: number): InspectorPastState {
    const last = this.store.lastSeq();
    if (!Number.isInteger(seq) || seq < 1 || seq > last)
      throw new PastStateError(`seq ${seq} is not in the log (it holds seq 1-${last})`, 404);
    if (!this.cache || this.cache.last < seq) this.cache = this.build();
    const event = this.cache.events.get(seq);
    const state = stateAt(this.cache.table, seq);
    if (!event || !state) {
      const first = this.cache.table.rows[0]?.seq ?? last + 1;
      throw new PastStateError(
        `seq ${seq} is no longer retained by the store (the oldest state it can show is after seq ${first})`,
        410,
      );
    }
    return { state, event };
  }

  private build(): { last: number; table: StateTable; events: Map<number, ConvergeEvent> } {
    const all = this.store.read(1);
    const first = all[0]?.seq ?? 1;
    let from: EngineState = initialEngineState();
    let events = all;
    if (first > 1) {
      // A bounded store keeps a tail: start from its snapshot, the states before it are gone.
      const snap = this.store.loadSnapshot();
      if (!snap || snap.seq + 1 < first)
        return { last: all.at(-1)?.seq ?? 0, table: emptyTable(), events: new Map() };
      from = restoreEngineState(snap.state as PersistedEngineState);
      events = all.filter((e) => e.seq > snap.seq);
    }
    return {
      last: all.at(-1)?.seq ?? 0,
      table: buildStateTable(events, from),
      events: new Map(events.map((e) => [e.seq, e])),
    };
  }
}

function emptyTable(): StateTable {
  return buildStateTable([]);
}
