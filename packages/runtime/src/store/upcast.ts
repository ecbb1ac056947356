import { type EventType, eventTypes, eventVersions } from '@converge/protocol';

/**
 * Lifts an event read from a log written by an older release to its type's current version. It
 * sees the raw parsed object (before schema validation) and returns the object to validate.
 */
export type Upcaster = (event: Record<string, unknown>) => Record<string, unknown>;

/** Older versions of a type that have an upcaster: `v` → function producing version `v + 1`. */
const steps: Partial<Record<EventType, Record<number, Upcaster>>> = {};

const knownTypes = new Set<string>(eventTypes);

/**
 * The default upcaster: identity for events at their type's current version (every type is at
 * v1 today), and step by step through the registered upcasters for older ones. An object it
 * cannot lift (unknown type, a version newer than this release, no upcaster) is returned as is,
 * and validation reports it.
 */
export const upcastEvent: Upcaster = (event) => {
  const type = event.type;
  if (typeof type !== 'string' || !knownTypes.has(type)) return event;
  const current = eventVersions[type as EventType];
  let out = event;
  while (typeof out.v === 'number' && out.v < current) {
    const step = steps[type as EventType]?.[out.v];
    if (!step) return out;
    out = step(out);
  }
  return out;
};

/**
 * Why an event's version cannot be read by this release, or undefined when it can: a version
 * newer than the type's current one was written by a newer release.
 */
export function versionProblem(event: Record<string, unknown>): string | undefined {
  const type = event.type;
  if (typeof type !== 'string' || !knownTypes.has(type) || typeof event.v !== 'number') return undefined;
  const current = eventVersions[type as EventType];
  if (event.v > current) return `v ${event.v} of ${type} is newer than this release reads (v ${current})`;
  if (event.v < current) return `v ${event.v} of ${type} has no upcaster to v ${current}`;
  return undefined;
}
