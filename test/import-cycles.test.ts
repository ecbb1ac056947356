import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file (type-only ones included), resolved to .ts files. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    const target = resolve(dirname(file), m[1].replace(/\.js$/, '.ts'));
    out.push(target.endsWith('.ts') ? target : `${target}/index.ts`);
  }
  return out;
}

/** The import cycles among `files`, each as the list of files around it (index files left out: they only re-export). */
function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => !t.endsWith('/index.ts'))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') found.push(stack.slice(stack.indexOf(t)));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return found;
}

describe('module structure', () => {
  it("every package's files import one way (no cycle, type-only imports included)", () => {
    const found = readdirSync(join(root, 'packages')).flatMap((pkg) =>
      cycles(sources(join(root, 'packages', pkg, 'src'))),
    );
    expect(found.map((c) => c.map((f) => relative(root, f)).join(' → '))).toEqual([]);
  });
});
