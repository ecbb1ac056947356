import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist' || name === 'artifacts') return [];
    if (statSync(path).isDirectory()) return testFiles(path);
    return /\.test\.ts$/.test(name) ? [path] : [];
  });
}

describe('docs/conformance.md', () => {
  it('has a line for every AO-n and TV-n scenario a test names, listing that test file', () => {
    const doc = readFileSync(join(root, 'docs/conformance.md'), 'utf8');
    const lines = new Map(
      [...doc.matchAll(/^- \*\*((?:AO|TV)-\d+)\*\* (.*)$/gm)].map((m) => [m[1], m[2]] as const),
    );
    const problems: string[] = [];
    const dirs = ['test', 'packages', 'examples'].map((d) => join(root, d));
    for (const file of dirs.flatMap(testFiles)) {
      const rel = relative(root, file);
      const names = new Set(readFileSync(file, 'utf8').match(/\b(?:AO|TV)-\d+\b/g) ?? []);
      for (const name of names) {
        const line = lines.get(name);
        if (!line) problems.push(`${name} (named in ${rel}) has no line`);
        else if (!line.includes(`\`${rel}\``)) problems.push(`${name}'s line does not list ${rel}`);
      }
    }
    expect(problems).toEqual([]);
    expect(lines.size).toBeGreaterThanOrEqual(169);
  });
});
