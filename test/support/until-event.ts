import type { ConvergeEvent } from '@converge/protocol';
import type { Observable } from 'rxjs';

/** What `untilEvent` reads: an engine (or test engine) with its log and its stream of new events. */
export interface EventSource {
  readonly events: readonly ConvergeEvent[];
  readonly events$: Observable<ConvergeEvent>;
}

/**
 * Resolves with the first event of the log that matches, already there or appended later: a wait
 * for an event, not for time (the test's own timeout ends a wait for an event that never comes).
 */
export function untilEvent<T extends ConvergeEvent = ConvergeEvent>(
  source: EventSource,
  match: (e: ConvergeEvent) => boolean,
): Promise<T> {
  const found = source.events.find(match);
  if (found) return Promise.resolve(found as T);
  return new Promise((resolve) => {
    const subscription = source.events$.subscribe((e) => {
      if (!match(e)) return;
      subscription.unsubscribe();
      resolve(e as T);
    });
  });
}
