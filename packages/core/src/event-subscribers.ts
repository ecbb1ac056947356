import type { ConvergeEvent } from '@converge/protocol';
import type { Unsubscribe } from './ports.js';

/**
 * The subscribers of an event store (the `subscribe` half of the EventStore port). Each
 * subscription is its own entry, so subscribing one function twice calls it twice.
 */
export class EventSubscribers {
  private readonly listeners = new Set<(e: ConvergeEvent) => void>();

  constructor(private readonly onListenerError?: (error: unknown, event: ConvergeEvent) => void) {}

  get size(): number {
    return this.listeners.size;
  }

  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe {
    const entry = (event: ConvergeEvent) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /**
   * Hands each event to each listener subscribed when the append began, in order; one that
   * unsubscribes meanwhile gets nothing more, and one that throws is reported and skipped.
   */
  notify(events: readonly ConvergeEvent[]): void {
    if (this.listeners.size === 0) return;
    const listeners = [...this.listeners];
    for (const event of events) {
      for (const listener of listeners) {
        if (!this.listeners.has(listener)) continue;
        try {
          listener(event);
        } catch (error) {
          try {
            this.onListenerError?.(error, event);
          } catch {
            // The reporter failed too; the log stays intact either way.
          }
        }
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}
