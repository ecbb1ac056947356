import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const script = join(root, 'scripts', 'check-public-api.mjs');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A small monorepo in a temp dir: `files` maps relative paths to contents. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'converge-api-check-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const pkg = (name: string) => JSON.stringify({ name, type: 'module' });
const run = (dir: string) => spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });

/** protocol and core, each exporting by name what docs/api.md lists, core importing protocol. */
const good: Record<string, string> = {
  'packages/protocol/package.json': pkg('@converge/protocol'),
  'packages/protocol/src/index.ts': "export { parseThing, type Thing } from './thing.js';\n",
  'packages/protocol/src/thing.ts':
    'export type Thing = string;\nexport const parseThing = (s: string): Thing => s;\n',
  'packages/core/package.json': pkg('@converge/core'),
  'packages/core/src/index.ts': "export { evolve } from './evolve.js';\n",
  'packages/core/src/evolve.ts':
    "import { parseThing } from '@converge/protocol';\nexport const evolve = (s: string) => parseThing(s);\n",
  'docs/api.md': [
    '# Public API',
    '',
    '## `@converge/protocol`',
    '',
    '- `parseThing` (function): parses a thing.',
    '- `Thing` (type): a thing.',
    '',
    '## `@converge/core`',
    '',
    '- `evolve` (function): folds.',
    '',
  ].join('\n'),
};

describe('npm run lint: the public API check (scripts/check-public-api.mjs)', () => {
  it('passes a tree whose indexes export by name what docs/api.md lists, imported one way', () => {
    const r = run(tree(good));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails on export *, an undocumented export, a stale docs line, a backwards import and a deep import', () => {
    const r = run(
      tree({
        ...good,
        // export * hides what the package exports
        'packages/protocol/src/index.ts':
          "export * from './thing.js';\nexport { extra } from './extra.js';\n",
        'packages/protocol/src/extra.ts': 'export const extra = 1;\n',
        // core no longer exports evolve but docs/api.md still lists it; it exports `fold` instead
        'packages/core/src/index.ts': "export { fold } from './fold.js';\n",
        // protocol may import nothing; core may not reach into protocol's files
        'packages/protocol/src/thing.ts':
          "import { fold } from '@converge/core';\nexport type Thing = string;\nexport const parseThing = (s: string): Thing => String(fold);\n",
        'packages/core/src/fold.ts':
          "import { parseThing } from '@converge/protocol/dist/thing.js';\nexport const fold = parseThing;\n",
      }),
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('packages/protocol/src/index.ts:1: `export *`');
    expect(r.stderr).toContain('@converge/protocol exports `extra`, which is not listed');
    expect(r.stderr).toContain('@converge/core exports `fold`, which is not listed');
    expect(r.stderr).toContain('lists `evolve` under @converge/core, which does not export it');
    expect(r.stderr).toContain(
      'packages/protocol/src/thing.ts:1: @converge/protocol may not import @converge/core',
    );
    expect(r.stderr).toContain("packages/core/src/fold.ts:1: deep import '@converge/protocol/dist/thing.js'");
  });

  it("passes this repository's packages and docs/api.md", () => {
    const r = run(root);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
