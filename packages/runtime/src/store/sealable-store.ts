import type { EventStore, StoredSnapshot, StoreRecords, Unsubscribe } from '@converge/core';
import type { ConvergeEvent, NewEvent } from '@converge/protocol';

/**
 * An event store that can be sealed: once `seal()` is called, `append` writes nothing and returns
 * no events, and each refused batch is reported to `onRefused`. The engine seals its log right
 * after `EngineStopped`, so that event is always the last one of a run (docs/compatibility.md
 * "Stopping"). A writer that lost a shared log (StoreFencedError on an append) is sealed at once,
 * that batch is refused like any after the seal, and `onLost` stops its engine. Everything else passes through to the wrapped store.
 */
export class SealableStore implements EventStore {
  private sealed = false;

  constructor(
    private readonly inner: EventStore,
    private readonly onRefused: (events: readonly NewEvent[]) => void,
    /**
     * Told when an append fails because this writer lost the log to another writer
     * (StoreFencedError of a shared store): the store is sealed first, so nothing more is tried.
     */
    private readonly onLost: (error: Error) => void = () => {},
  ) {}

  get records(): StoreRecords | undefined {
    return this.inner.records;
  }

  get isSealed(): boolean {
    return this.sealed;
  }

  /** From now on nothing more is appended. */
  seal(): void {
    this.sealed = true;
  }

  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[] {
    if (this.sealed) {
      if (events.length > 0) this.onRefused(events);
      return [];
    }
    try {
      return this.inner.append(events);
    } catch (e) {
      // Not thrown on: it would surface in whatever callback appended (a config watch, an informer)
      // and could end the process; the engine is stopped instead and the batch is refused.
      if ((e as { code?: unknown } | null)?.code === 'STORE_FENCED') {
        this.sealed = true;
        this.onLost(e as Error);
        this.onRefused(events);
        return [];
      }
      throw e;
    }
  }

  read(fromSeq?: number): ConvergeEvent[] {
    return this.inner.read(fromSeq);
  }

  lastSeq(): number {
    return this.inner.lastSeq();
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    return this.inner.subscribe(listener);
  }

  saveSnapshot(snapshot: StoredSnapshot): void {
    if (!this.sealed) this.inner.saveSnapshot(snapshot);
  }

  loadSnapshot(): StoredSnapshot | undefined {
    return this.inner.loadSnapshot();
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
