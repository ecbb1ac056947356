import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The lines between `snippet:start name` and `snippet:end name` markers of a file, dedented. */
function snippet(file: string, name: string): string {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.includes(`snippet:start ${name}`));
  const end = lines.findIndex((l) => l.includes(`snippet:end ${name}`));
  if (start < 0 || end < start) throw new Error(`${file} has no snippet ${name}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join('\n');
}

describe('examples', () => {
  it('examples/embedding runs a converge on createEngine and stops cleanly', () => {
    const out = execFileSync(process.execPath, [join(root, 'examples/embedding/operator.mjs'), '--once'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(out).toContain('ModuleReady greeter');
    expect(out).toContain('converged: {"message":"hello from demo"}');
  });

  it('the README snippets are the examples’ code, word for word', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const [file, name] of [
      ['examples/testing-lifecycle/test/lifecycle.test.ts', 'usage'],
      ['examples/embedding/operator.mjs', 'embedding'],
      ['examples/kube-operator/operator.mjs', 'kube'],
    ] as const) {
      expect(readme, `${file}#${name} is not in README.md`).toContain(snippet(file, name));
    }
  });
});
