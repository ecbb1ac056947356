import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

/** The test sources: every .ts under test/, packages/<p>/test and examples/<e>/test (fixtures left out). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures' || name === 'dist') return [];
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const dirs = [
  join(root, 'test'),
  ...['packages', 'examples'].flatMap((d) =>
    readdirSync(join(root, d))
      .map((p) => join(root, d, p, 'test'))
      .filter((p) => {
        try {
          return statSync(p).isDirectory();
        } catch {
          return false;
        }
      }),
  ),
];

/** Ways a test waits for time instead of for an event. */
const TIME_WAITS = [
  /new Promise\(\s*\(?\w*\)?\s*=>\s*setTimeout\(\s*\w+\s*,/, // await new Promise((r) => setTimeout(r, 50))
  /\bawait\s+(sleep|delay|wait|pause|quietly)\(/, // await sleep(200)
  /from ['"](node:)?timers\/promises['"]/, // setTimeout from timers/promises
];

/**
 * Where a time wait is the point: the kube harness's `EventLog.count` deadline timer and `quietly`
 * helper, and the one poll on an observable condition that has no event (a CRD's kind being served).
 */
const ALLOWED: Record<string, number> = {
  'test/kube/harness.ts': 1,
  'test/kube/kube-watch.test.ts': 1,
};

describe('tests wait for events, never for time (house rule)', () => {
  it('no test file sleeps, beyond the few waits listed here with their reason', () => {
    const found: Record<string, string[]> = {};
    for (const file of dirs.flatMap(sources)) {
      const rel = relative(root, file);
      if (rel === 'test/no-time-waits.test.ts') continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      const hits = lines.flatMap((line, i) =>
        TIME_WAITS.some((re) => re.test(line)) ? [`${rel}:${i + 1}: ${line.trim()}`] : [],
      );
      if (hits.length > 0) found[rel] = hits;
    }
    const problems = Object.entries(found)
      .filter(([rel, lines]) => lines.length > (ALLOWED[rel] ?? 0))
      .flatMap(([, lines]) => lines);
    expect(
      problems,
      `wait for an event (an engine event, a printed line, a file, a callback) instead:\n${problems.join('\n')}`,
    ).toEqual([]);
  });
});
