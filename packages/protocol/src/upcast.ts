import { ConvergeError } from './errors.js';
import {
  type ConvergeEvent,
  convergeEventSchema,
  type EventType,
  eventTypes,
  eventVersions,
} from './events.js';
import { formatIssueLines, safeParseWithRules } from './schema-issues.js';

/**
 * Upcasting: events read from a log written by an older release are lifted, one version at a
 * time, to their type's current version before they are validated against `convergeEventSchema`.
 */

/** A raw event as parsed from storage, before validation. */
export type RawEvent = Record<string, unknown>;

/** Lifts an event of version `n` to version `n + 1`; `upcastEvent` sets `v` afterwards. */
export type EventUpcaster = (event: RawEvent) => RawEvent;

/** Upcasters per event type and the version they lift from: `{ HookFailed: { 1: toV2 } }`. */
export type UpcasterRegistry = Partial<Record<EventType, Readonly<Record<number, EventUpcaster>>>>;

/**
 * The registry of this release. Every type is at v1, so it is empty; a change to an event's
 * shape bumps `eventVersions[type]` and adds the step from the old version here.
 */
export const eventUpcasters: UpcasterRegistry = {};

export interface UpcastOptions {
  /** Defaults to `eventUpcasters`. */
  upcasters?: UpcasterRegistry;
  /** The current version of each type; defaults to `eventVersions`. */
  versions?: Partial<Record<EventType, number>>;
}

/** An event's version cannot be read by this release: newer than it knows, or no upcaster. */
export class EventVersionError extends ConvergeError {
  readonly code = 'EVENT_VERSION';
  constructor(
    message: string,
    readonly type: string,
    readonly version: number,
    readonly current: number,
  ) {
    super(message);
  }
}

const knownTypes = new Set<string>(eventTypes);

/**
 * Lifts `raw` to its type's current version: identity when it is current, step by step through
 * the registry when older. Throws EventVersionError for a version newer than this release or
 * a missing step. Anything it cannot judge (unknown type, `v` not an integer) is returned
 * unchanged for schema validation to report. Never mutates `raw`.
 */
export function upcastEvent(raw: RawEvent, options: UpcastOptions = {}): RawEvent {
  const type = raw.type;
  const v = raw.v;
  if (typeof type !== 'string' || !knownTypes.has(type) || !Number.isInteger(v)) return raw;
  const upcasters = options.upcasters ?? eventUpcasters;
  const current = options.versions?.[type as EventType] ?? eventVersions[type as EventType];
  const version = v as number;
  if (version > current)
    throw new EventVersionError(
      `v ${version} of ${type} is newer than this release reads (v ${current})`,
      type,
      version,
      current,
    );
  let out = raw;
  for (let at = version; at < current; at++) {
    const step = upcasters[type as EventType]?.[at];
    if (step === undefined)
      throw new EventVersionError(`v ${at} of ${type} has no upcaster to v ${at + 1}`, type, at, current);
    out = { ...step(out), v: at + 1 };
  }
  return out;
}

/** The outcome of reading one stored event: the current-version event, or why it is unreadable. */
export type StoredEventCheck = { ok: true; event: ConvergeEvent } | { ok: false; reason: string };

/**
 * The storage boundary for one parsed record: a JSON object, upcast (`upcastEvent`), then valid
 * against `convergeEventSchema`. Never throws; the reason names the failing fields.
 */
export function checkStoredEvent(raw: unknown, options: UpcastOptions = {}): StoredEventCheck {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, reason: 'not a JSON object' };
  let lifted: RawEvent;
  try {
    lifted = upcastEvent(raw as RawEvent, options);
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
  const parsed = safeParseWithRules(convergeEventSchema, lifted);
  if (!parsed.success)
    return { ok: false, reason: `invalid event: ${formatIssueLines(parsed.issues).join('; ')}` };
  return { ok: true, event: parsed.data as ConvergeEvent };
}
