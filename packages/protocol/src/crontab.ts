import {
  CronDayOfMonth,
  CronDayOfWeek,
  CronExpression,
  CronFieldCollection,
  CronHour,
  CronMinute,
  CronMonth,
  CronSecond,
} from 'cron-parser';
import { ConvergeError } from './errors.js';

/**
 * Schedule syntax of shell-operator's cron library (robfig cron v2, shell-operator pkg/schedule_manager/): 5 fields
 * (`min hour dom month dow`, second 0 implied) or 6 (`sec min hour dom month dow`), names, ranges,
 * steps, `?`, the descriptors `@yearly` … `@hourly`, `@every <Go duration>`, and an optional
 * `TZ=<zone> ` prefix. Fields are checked here with robfig's rules; cron-parser computes fire times.
 */

/** A crontab string that robfig cron v2 would reject. */
export class CrontabError extends ConvergeError {
  readonly code = 'CRONTAB';
  constructor(
    message: string,
    readonly crontab: string,
  ) {
    super(message);
  }
}

/** A string that Go's `time.ParseDuration` would reject. */
export class GoDurationError extends ConvergeError {
  readonly code = 'GO_DURATION';
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
  }
}

const durationUnitsMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Go duration (`300ms`, `1h30m`, `-1.5h`, `0`) into milliseconds, fractions kept.
 * Throws `GoDurationError` with Go's wording for anything else (`""`, `30ks`, `1`).
 */
export function parseGoDuration(input: string): number {
  let s = input;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw new GoDurationError(`time: invalid duration ${JSON.stringify(input)}`, input);
  let total = 0;
  const part = /^(\d*)(?:\.(\d*))?([^\d.]*)/;
  while (s !== '') {
    const m = part.exec(s);
    const whole = m?.[1] ?? '';
    const frac = m?.[2];
    const unit = m?.[3] ?? '';
    if (!m || (whole === '' && (frac === undefined || frac === '')))
      throw new GoDurationError(`time: invalid duration ${JSON.stringify(input)}`, input);
    if (unit === '')
      throw new GoDurationError(`time: missing unit in duration ${JSON.stringify(input)}`, input);
    const perUnit = durationUnitsMs[unit];
    if (perUnit === undefined)
      throw new GoDurationError(
        `time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(input)}`,
        input,
      );
    total += Number(`${whole === '' ? '0' : whole}.${frac ?? '0'}`) * perUnit;
    s = s.slice(m[0].length);
  }
  return sign * total;
}

/** A parsed schedule; `nextFireAfter(t)` is the first fire time strictly after `t` (epoch ms). */
export type CrontabSchedule =
  | {
      kind: 'cron';
      /** The string as written. */
      source: string;
      /** The six fields (`sec min hour dom month dow`) after descriptor expansion. */
      fields: string;
      /** IANA zone; absent means the process local time zone. */
      timeZone?: string;
      /** Epoch ms of the next fire strictly after `epochMs`; `Infinity` when it never fires again. */
      nextFireAfter(epochMs: number): number;
    }
  | {
      kind: 'every';
      source: string;
      /** Whole seconds, at least 1 s (robfig rounds down to seconds and up to 1 s). */
      intervalMs: number;
      timeZone?: string;
      /** `@every` counts from the previous fire: `t` truncated to the second plus the interval. */
      nextFireAfter(epochMs: number): number;
    };

interface FieldBounds {
  name: string;
  min: number;
  max: number;
  names?: Record<string, number>;
}

const monthNames = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const dowNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const fieldBounds: FieldBounds[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(monthNames.map((n, i) => [n, i + 1])) },
  { name: 'day of week', min: 0, max: 6, names: Object.fromEntries(dowNames.map((n, i) => [n, i])) },
];

const descriptors: Record<string, string> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

interface ParsedField {
  values: number[];
  /** robfig's star bit: some range of the field started with `*` or `?`. */
  star: boolean;
}

function parseInteger(text: string, field: FieldBounds, fail: (why: string) => never): number {
  // Go's strconv.Atoi: optional sign, decimal digits.
  if (!/^[+-]?\d+$/.test(text)) fail(`${field.name}: cannot parse ${JSON.stringify(text)} as a number`);
  const n = Number(text);
  if (n < 0) fail(`${field.name}: negative number ${n} is not allowed`);
  return n;
}

function parseField(text: string, field: FieldBounds, fail: (why: string) => never): ParsedField {
  const values = new Set<number>();
  let star = false;
  const ranges = text.split(',').filter((r) => r !== '');
  if (ranges.length === 0) fail(`${field.name}: empty field`);
  for (const range of ranges) {
    const slash = range.split('/');
    if (slash.length > 2) fail(`${field.name}: too many slashes in ${JSON.stringify(range)}`);
    const dash = slash[0].split('-');
    let start: number;
    let end: number;
    if (dash[0] === '*' || dash[0] === '?') {
      start = field.min;
      end = field.max;
      star = true;
    } else {
      if (dash.length > 2) fail(`${field.name}: too many hyphens in ${JSON.stringify(range)}`);
      const named = (t: string) => field.names?.[t.toLowerCase()] ?? parseInteger(t, field, fail);
      start = named(dash[0]);
      end = dash.length === 2 ? named(dash[1]) : start;
    }
    let step = 1;
    if (slash.length === 2) {
      step = parseInteger(slash[1], field, fail);
      if (step === 0) fail(`${field.name}: step must be positive in ${JSON.stringify(range)}`);
      if (dash.length === 1) end = field.max; // "N/step" means "N-max/step"
    }
    if (start < field.min) fail(`${field.name}: ${start} is below the minimum ${field.min}`);
    if (end > field.max) fail(`${field.name}: ${end} is above the maximum ${field.max}`);
    if (start > end) fail(`${field.name}: range start ${start} is beyond its end ${end}`);
    for (let v = start; v <= end; v += step) values.add(v);
  }
  return { values: [...values].sort((a, b) => a - b), star };
}

function checkTimeZone(zone: string, fail: (why: string) => never): string | undefined {
  if (zone === 'Local') return undefined;
  if (zone === '' || zone === 'UTC') return 'UTC';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    fail(`unknown time zone ${JSON.stringify(zone)}`);
  }
  return zone;
}

const fiveYearsOfDays = 5 * 366;

function cronSchedule(
  source: string,
  fields: string,
  timeZone: string | undefined,
  fail: (why: string) => never,
) {
  const texts = fields.split(/\s+/).filter((f) => f !== '');
  if (texts.length !== 5 && texts.length !== 6) fail(`expected 5 or 6 fields, found ${texts.length}`);
  const six = texts.length === 5 ? ['0', ...texts] : texts;
  const [sec, min, hour, dom, month, dow] = six.map((t, i) => parseField(t, fieldBounds[i], fail));
  const domFull = dom.values.length === 31;
  const dowFull = dow.values.length === 7;
  // robfig: a starred day field makes the day test an AND of both fields; otherwise an OR.
  const and = dom.star || dow.star;
  let domWildcard = false;
  let dowWildcard = false;
  let filterDom = false;
  if (and) {
    if (dowFull) dowWildcard = true;
    else if (domFull) domWildcard = true;
    else {
      domWildcard = true;
      filterDom = true;
    }
  }
  const fieldSet = () =>
    new CronFieldCollection({
      second: new CronSecond(sec.values as never),
      minute: new CronMinute(min.values as never),
      hour: new CronHour(hour.values as never),
      dayOfMonth: new CronDayOfMonth((domWildcard ? range(1, 31) : dom.values) as never, {
        wildcard: domWildcard,
      }),
      month: new CronMonth(month.values as never),
      dayOfWeek: new CronDayOfWeek((dowWildcard ? range(0, 6) : dow.values) as never, {
        wildcard: dowWildcard,
      }),
    });
  let collection: CronFieldCollection | undefined;
  try {
    collection = fieldSet();
  } catch {
    // cron-parser refuses days that no listed month has (30 February); robfig accepts them and never fires
    collection = undefined;
  }
  const daily = new CronFieldCollection({
    second: new CronSecond([0]),
    minute: new CronMinute([0]),
    hour: new CronHour([0]),
    dayOfMonth: new CronDayOfMonth(range(1, 31) as never, { wildcard: true }),
    month: new CronMonth(range(1, 12) as never),
    dayOfWeek: new CronDayOfWeek(range(0, 6) as never, { wildcard: true }),
  });
  const domSet = new Set(dom.values);
  const next = (fieldSet: CronFieldCollection, after: number) =>
    new CronExpression(fieldSet, {
      currentDate: new Date(after),
      ...(timeZone ? { tz: timeZone } : {}),
    }).next();
  const schedule: CrontabSchedule = {
    kind: 'cron',
    source,
    fields: six.join(' '),
    ...(timeZone ? { timeZone } : {}),
    nextFireAfter(epochMs: number): number {
      if (!collection) return Number.POSITIVE_INFINITY;
      try {
        let after = epochMs;
        for (let skipped = 0; skipped <= fiveYearsOfDays; skipped++) {
          const candidate = next(collection, after);
          if (!filterDom || domSet.has(candidate.getDate())) return candidate.getTime();
          after = next(daily, candidate.getTime()).getTime() - 1;
        }
      } catch {
        // cron-parser gives up on schedules that never match (e.g. 30 February)
      }
      return Number.POSITIVE_INFINITY;
    },
  };
  return schedule;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/**
 * Parses a crontab as shell-operator's schedule manager does. Without a `TZ=` prefix the zone is
 * `options.timeZone`, else the process local zone. Throws `CrontabError` naming the broken part.
 */
export function parseCrontab(crontab: string, options: { timeZone?: string } = {}): CrontabSchedule {
  const fail = (why: string): never => {
    throw new CrontabError(`invalid crontab ${JSON.stringify(crontab)}: ${why}`, crontab);
  };
  let spec = crontab;
  let timeZone = options.timeZone;
  if (spec.startsWith('TZ=')) {
    const space = spec.indexOf(' ');
    if (space < 0) fail('a TZ= prefix must be followed by a space and a schedule');
    timeZone = checkTimeZone(spec.slice(3, space), fail);
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    const expanded = descriptors[spec];
    if (expanded !== undefined) return cronSchedule(crontab, expanded, timeZone, fail);
    if (!spec.startsWith('@every ')) fail(`unrecognized descriptor ${JSON.stringify(spec)}`);
    let ms = 0;
    try {
      ms = parseGoDuration(spec.slice('@every '.length));
    } catch (e) {
      fail((e as Error).message);
    }
    const intervalMs = ms < 1000 ? 1000 : ms - (ms % 1000);
    return {
      kind: 'every',
      source: crontab,
      intervalMs,
      ...(timeZone ? { timeZone } : {}),
      nextFireAfter: (epochMs: number) => epochMs - (((epochMs % 1000) + 1000) % 1000) + intervalMs,
    };
  }
  return cronSchedule(crontab, spec, timeZone, fail);
}
