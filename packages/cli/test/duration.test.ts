import { parseGoDuration } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/duration.js';

describe('CLI durations are Go durations (one parser, protocol’s parseGoDuration)', () => {
  it('reads what time.ParseDuration reads, as the hook configs do', () => {
    // Before, the CLI had its own parser that refused `1.s`, `.5s`, `+5s` and `500us`.
    for (const text of ['1h30m', '1.5h', '300ms', '1.s', '.5s', '+5s', '500us', '1h1h'])
      expect(parseDuration(text)).toBe(parseGoDuration(text));
    expect(parseDuration('1.s')).toBe(1000);
    expect(parseDuration('.5s')).toBe(500);
  });

  it('keeps the bare number of seconds and refuses negative or unknown durations', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(() => parseDuration('-1s')).toThrow('invalid duration "-1s": must not be negative');
    expect(() => parseDuration('soon')).toThrow('invalid duration "soon"');
    expect(() => parseDuration('1d')).toThrow('invalid duration "1d"');
    expect(() => parseDuration('')).toThrow('invalid duration ""');
  });
});
