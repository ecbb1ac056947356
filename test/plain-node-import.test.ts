import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
/** Every workspace package, read from packages/. */
const packages = readdirSync(join(root, 'packages'))
  .filter((d) => existsSync(join(root, 'packages', d, 'package.json')))
  .map((d) => JSON.parse(readFileSync(join(root, 'packages', d, 'package.json'), 'utf8')).name as string);

describe('packages import from plain Node', () => {
  it('a plain .mjs file can import every package from dist', () => {
    const dir = mkdtempSync(join(root, 'node_modules', '.plain-import-'));
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      [
        `const names = ${JSON.stringify(packages)};`,
        'const out = {};',
        'for (const n of names) { const m = await import(n); out[n] = Object.keys(m).length; }',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    const stdout = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
    const counts = JSON.parse(stdout);
    expect(Object.keys(counts).sort()).toEqual([...packages].sort());
    for (const name of packages) expect(counts[name], name).toBeGreaterThan(0);
  });
});
