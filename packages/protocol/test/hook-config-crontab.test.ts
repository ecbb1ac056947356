import { describe, expect, it } from 'vitest';
import { CrontabError, GoDurationError, parseCrontab, parseGoDuration } from '../src/crontab.js';

const utc = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const nextUtc = (crontab: string, after: string) =>
  iso(parseCrontab(crontab, { timeZone: 'UTC' }).nextFireAfter(utc(after)));

function crontabError(crontab: string): CrontabError {
  try {
    parseCrontab(crontab, { timeZone: 'UTC' });
  } catch (e) {
    expect(e).toBeInstanceOf(CrontabError);
    return e as CrontabError;
  }
  throw new Error(`expected ${JSON.stringify(crontab)} to be rejected`);
}

describe('TV-13 crontab', () => {
  it('TV-13 */5 * * * * fires at second 0 of every 5th minute', () => {
    const s = parseCrontab('*/5 * * * *', { timeZone: 'UTC' });
    expect(s.kind).toBe('cron');
    if (s.kind === 'cron') expect(s.fields).toBe('0 */5 * * * *');
    expect(nextUtc('*/5 * * * *', '2026-01-01T00:01:30.000Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(nextUtc('*/5 * * * *', '2026-01-01T00:05:00.000Z')).toBe('2026-01-01T00:10:00.000Z');
  });

  it('TV-13 */10 * * * * * fires every 10 s', () => {
    expect(nextUtc('*/10 * * * * *', '2026-01-01T00:00:09.500Z')).toBe('2026-01-01T00:00:10.000Z');
    expect(nextUtc('*/10 * * * * *', '2026-01-01T00:00:10.000Z')).toBe('2026-01-01T00:00:20.000Z');
  });

  it('TV-13 0 */5 * * * * fires at second 0 of every 5th minute', () => {
    expect(nextUtc('0 */5 * * * *', '2026-01-01T00:04:59.000Z')).toBe('2026-01-01T00:05:00.000Z');
  });

  it('TV-13 @every 30s fires 30 s after the previous fire', () => {
    const s = parseCrontab('@every 30s');
    expect(s.kind).toBe('every');
    if (s.kind === 'every') expect(s.intervalMs).toBe(30_000);
    expect(iso(s.nextFireAfter(utc('2026-01-01T00:00:12.345Z')))).toBe('2026-01-01T00:00:42.000Z');
  });

  it('TV-13 @hourly fires at the top of every hour', () => {
    expect(nextUtc('@hourly', '2026-01-01T00:30:00.000Z')).toBe('2026-01-01T01:00:00.000Z');
  });

  it('TV-13 TZ=Europe/Berlin 0 3 * * * fires at 03:00:00 Berlin time', () => {
    const s = parseCrontab('TZ=Europe/Berlin 0 3 * * *');
    expect(s.timeZone).toBe('Europe/Berlin');
    expect(iso(s.nextFireAfter(utc('2026-01-01T00:00:00.000Z')))).toBe('2026-01-01T02:00:00.000Z'); // CET
    expect(iso(s.nextFireAfter(utc('2026-07-01T00:00:00.000Z')))).toBe('2026-07-01T01:00:00.000Z'); // CEST
  });

  it('TV-13 invalid crontabs are rejected', () => {
    expect(crontabError('').message).toContain('expected 5 or 6 fields, found 0');
    expect(crontabError('* * *').message).toContain('expected 5 or 6 fields, found 3');
    expect(crontabError('60 * * * *').message).toContain('minute: 60 is above the maximum 59');
    expect(crontabError('* * * * * * *').message).toContain('expected 5 or 6 fields, found 7');
  });
});

describe('crontab syntax of robfig cron v2', () => {
  it('accepts names, ranges, lists, ? and N/step', () => {
    // Monday to Friday at 09:30 in January
    expect(nextUtc('30 9 ? JAN mon-FRI', '2026-01-02T10:00:00.000Z')).toBe('2026-01-05T09:30:00.000Z');
    // 5/20 in the minute field means 5-59/20: minutes 5, 25, 45
    expect(nextUtc('5/20 * * * *', '2026-01-01T00:26:00.000Z')).toBe('2026-01-01T00:45:00.000Z');
    expect(nextUtc('0 0,12 * * *', '2026-01-01T01:00:00.000Z')).toBe('2026-01-01T12:00:00.000Z');
  });

  it('expands every descriptor', () => {
    const fields = (d: string) => {
      const s = parseCrontab(d);
      return s.kind === 'cron' ? s.fields : s.kind;
    };
    expect(fields('@yearly')).toBe('0 0 0 1 1 *');
    expect(fields('@annually')).toBe('0 0 0 1 1 *');
    expect(fields('@monthly')).toBe('0 0 0 1 * *');
    expect(fields('@weekly')).toBe('0 0 0 * * 0');
    expect(fields('@daily')).toBe('0 0 0 * * *');
    expect(fields('@midnight')).toBe('0 0 0 * * *');
    expect(nextUtc('@weekly', '2026-01-01T00:00:00.000Z')).toBe('2026-01-04T00:00:00.000Z'); // a Sunday
  });

  it('a restricted day of month OR a restricted day of week, as in vixie cron', () => {
    // 1st of the month or Mondays; 2026-01-26 is a Monday, 2026-02-01 a Sunday
    expect(nextUtc('0 0 0 1 * 1', '2026-01-01T00:00:00.000Z')).toBe('2026-01-05T00:00:00.000Z');
    expect(nextUtc('0 0 0 1 * 1', '2026-01-26T00:00:00.000Z')).toBe('2026-02-01T00:00:00.000Z');
  });

  it('a starred day field makes the day test an AND (robfig star bit)', () => {
    // odd days of the month that are Mondays: 5 and 19 January 2026
    expect(nextUtc('0 0 0 */2 * mon', '2026-01-01T00:00:00.000Z')).toBe('2026-01-05T00:00:00.000Z');
    expect(nextUtc('0 0 0 */2 * mon', '2026-01-05T00:00:00.000Z')).toBe('2026-01-19T00:00:00.000Z');
  });

  it('a schedule that can never fire gives Infinity', () => {
    expect(parseCrontab('0 0 0 30 2 *', { timeZone: 'UTC' }).nextFireAfter(utc('2026-01-01T00:00:00Z'))).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('rejects what robfig rejects, with the reason', () => {
    expect(crontabError('* * * * 7').message).toContain('day of week: 7 is above the maximum 6');
    expect(crontabError('0 0 0 * * *x').message).toContain('cannot parse');
    expect(crontabError('*/0 * * * *').message).toContain('step must be positive');
    expect(crontabError('1-2-3 * * * *').message).toContain('too many hyphens');
    expect(crontabError('1/2/3 * * * *').message).toContain('too many slashes');
    expect(crontabError('5-1 * * * *').message).toContain('beyond its end');
    expect(crontabError('-1 * * * *').message).toContain('cannot parse');
    expect(crontabError('* * L * *').message).toContain('cannot parse');
    expect(crontabError('@reboot').message).toContain('unrecognized descriptor');
    expect(crontabError('@every 1x').message).toContain('unknown unit');
    expect(crontabError('TZ=Nowhere/Atlantis 0 3 * * *').message).toContain('unknown time zone');
    expect(crontabError('TZ=UTC').message).toContain('TZ=');
    const e = crontabError('61 * * * *');
    expect(e.crontab).toBe('61 * * * *');
    expect(e.code).toBe('CRONTAB');
  });

  it('@every rounds to whole seconds, at least one', () => {
    const interval = (s: string) => {
      const c = parseCrontab(s);
      return c.kind === 'every' ? c.intervalMs : -1;
    };
    expect(interval('@every 1h30m')).toBe(5_400_000);
    expect(interval('@every 1500ms')).toBe(1000);
    expect(interval('@every 10ms')).toBe(1000);
  });
});

describe('Go durations', () => {
  it('parses every unit, fractions and signs', () => {
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('-2m')).toBe(-120_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('1500us')).toBe(1.5);
    expect(parseGoDuration('2000000ns')).toBe(2);
  });

  it('rejects what time.ParseDuration rejects', () => {
    for (const bad of ['', '1', '30ks', 's', '.s', '1h-2m']) {
      expect(() => parseGoDuration(bad), bad).toThrow(GoDurationError);
    }
  });
});
