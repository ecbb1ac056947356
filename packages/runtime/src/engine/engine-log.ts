import {
  applyEvent,
  type Clock,
  type EngineState,
  type EventStore,
  initialEngineState,
  type PersistedEngineState,
  persistEngineState,
  replay,
  restoreEngineState,
} from '@converge/core';
import type { ConvergeEvent, EventOf, EventType, NewEvent } from '@converge/protocol';

/** The payload of an event of type `T`: its fields without the envelope. */
export type EventPayload<T extends EventType> = Omit<EventOf<T>, 'seq' | 'at' | 'v' | 'type'>;

/** The state folded from what `store` holds: its newest snapshot, then the events after it. */
export function restoreFromStore(store: EventStore): EngineState {
  if (store.lastSeq() === 0) return initialEngineState();
  const snap = store.loadSnapshot();
  if (snap && snap.seq <= store.lastSeq()) {
    const from = { seq: snap.seq, state: restoreEngineState(snap.state as PersistedEngineState) };
    return replay(store.read(snap.seq + 1), from);
  }
  return replay(store.read(1));
}

/**
 * The log and its fold: appends go to the store, are folded into the state in order, then
 * reach `folded` (caches) and the listeners. The state is never changed any other way, so a
 * replay of the store rebuilds it. A snapshot is saved every `snapshotEvery` events.
 */
export class EngineLog {
  private readonly st: EngineState;
  private readonly listeners = new Set<(e: ConvergeEvent) => void>();
  private atMs = Number.NaN;
  private atIso = '';

  constructor(
    private readonly store: EventStore,
    private readonly clock: Clock,
    private readonly snapshotEvery: number,
    /** Told about each folded event before the listeners (cache invalidation). */
    private readonly folded: (e: ConvergeEvent) => void = () => {},
  ) {
    this.st = restoreFromStore(store);
  }

  get state(): EngineState {
    return this.st;
  }

  /** Appends events and folds them into the state, in order; returns them as stored. */
  append(...events: NewEvent[]): ConvergeEvent[] {
    const now = this.clock.now();
    if (now !== this.atMs) {
      this.atMs = now;
      this.atIso = new Date(now).toISOString();
    }
    for (const e of events) (e as NewEvent & { at: string }).at = this.atIso;
    const stored = this.store.append(events as (NewEvent & { at: string })[]);
    for (const e of stored) {
      applyEvent(this.st, e);
      this.folded(e);
      for (const l of this.listeners) l(e);
    }
    const every = this.snapshotEvery;
    const last = stored.at(-1);
    if (every > 0 && last && Math.floor(last.seq / every) > Math.floor((last.seq - stored.length) / every))
      this.store.saveSnapshot({ seq: this.st.seq, state: persistEngineState(this.st) });
    return stored;
  }

  /** Appends one event of type `type` (typed payload) and returns it as stored. */
  emit<T extends EventType>(type: T, payload: EventPayload<T>): EventOf<T> {
    return this.append({ type, ...payload } as unknown as NewEvent)[0] as EventOf<T>;
  }

  onEvent(listener: (e: ConvergeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
