import {
  type EngineState,
  type EventStore,
  initialEngineState,
  type PersistedEngineState,
  restoreEngineState,
} from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { foldStateView, type InspectorPastState } from '@converge/viz';
import { readRetained } from './retained-events.js';

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

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Time travel: the engine state right after any seq of the log, folded with the timeline's fold
 * (core's `applyEvent`, viz's state views; `foldStateView`). A seq after the store's newest
 * snapshot is folded from that snapshot; an older one from the start of the log, in chunks
 * (default 5,000 events) with the event loop free in between, so a long fold never stalls the engine. Nothing is cached: a request costs one fold of
 * at most the log, and no memory once answered.
 */
export class PastStates {
  constructor(
    private readonly store: EventStore,
    /** Events folded per turn of the event loop. */
    private readonly chunk = 5_000,
  ) {}

  /** The state after `seq` and the event `seq` itself. */
  async at(seq: number): Promise<InspectorPastState> {
    const last = this.store.lastSeq();
    if (!Number.isInteger(seq) || seq < 1 || seq > last)
      throw new PastStateError(`seq ${seq} is not in the log (it holds seq 1-${last})`, 404);
    const snap = this.store.loadSnapshot();
    let from: EngineState;
    let events: ConvergeEvent[];
    if (snap && snap.seq < seq) {
      from = restoreEngineState(snap.state as PersistedEngineState);
      events = readRetained(this.store, snap.seq + 1);
    } else {
      from = initialEngineState();
      events = readRetained(this.store, 1);
    }
    // A store that keeps a tail (a bounded memory store) may no longer have what the fold needs.
    const needed = snap && snap.seq < seq ? snap.seq + 1 : 1;
    if ((events[0]?.seq ?? needed) !== needed) {
      const oldest = snap && events[0] && snap.seq + 1 >= events[0].seq ? snap.seq + 1 : undefined;
      throw new PastStateError(
        `seq ${seq} is no longer retained by the store` +
          (oldest === undefined ? '' : ` (the oldest state it can show is after seq ${oldest})`),
        410,
      );
    }
    const upTo = events.filter((e) => e.seq <= seq);
    const event = upTo.at(-1);
    if (!event || event.seq !== seq)
      throw new PastStateError(`seq ${seq} is not in the log (it holds seq 1-${last})`, 404);
    let state = foldStateView([], from);
    for (let i = 0; i < upTo.length; i += this.chunk) {
      if (i > 0) await nextTurn();
      state = foldStateView(upTo.slice(i, i + this.chunk), from);
    }
    return { state, event };
  }
}
