import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('packages import from plain Node', () => {
  it('a plain .mjs file can import every package from dist', () => {
    const dir = mkdtempSync(join(root, 'node_modules', '.plain-import-'));
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      [
        "const names = ['@converge/protocol', '@converge/core', '@converge/runtime', '@converge/testing'];",
        'const out = {};',
        'for (const n of names) { const m = await import(n); out[n] = Object.keys(m).length; }',
        'console.log(JSON.stringify(out));',
      ].join('\n'),
    );
    const stdout = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8' });
    const counts = JSON.parse(stdout);
    expect(Object.keys(counts)).toHaveLength(4);
    expect(counts['@converge/protocol']).toBeGreaterThan(0);
    expect(counts['@converge/core']).toBeGreaterThan(0);
  });
});
