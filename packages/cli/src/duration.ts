import { parseGoDuration } from '@converge/protocol';

/**
 * Parses `--timeout`-style values into milliseconds: a Go duration as `time.ParseDuration` reads it
 * (`90s`, `10m`, `1h30m`, `500ms`, `1.5h`; protocol's `parseGoDuration`), or a bare whole number of
 * seconds (`90`). A negative duration is refused.
 */
export function parseDuration(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch {
    throw new Error(`invalid duration ${JSON.stringify(text)} (use e.g. 90s, 10m, 1h30m)`);
  }
  if (ms < 0) throw new Error(`invalid duration ${JSON.stringify(text)}: must not be negative`);
  return ms;
}
