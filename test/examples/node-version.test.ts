import { execFileSync, spawnSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { isConvergeError } from '@converge/protocol';
import { sqliteLoadError } from '@converge/store-sqlite';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The first `node` on the system PATH (node_modules left out) older than 22.13, if any. */
function oldSystemNode(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !p.includes('node_modules'));
  for (const dir of dirs) {
    const node = join(dir, 'node');
    try {
      const [major, minor] = execFileSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' })
        .trim()
        .split('.')
        .map(Number);
      if (major < 22 || (major === 22 && minor < 13)) return node;
    } catch {
      // not there, or not runnable
    }
  }
  return undefined;
}

const systemNode = oldSystemNode();

describe('a Node too old for node:sqlite or undici', () => {
  it('AO-13 @converge/store-sqlite names the Node it needs and how to run Node 24', () => {
    const builtin = Object.assign(new Error('No such built-in module: node:sqlite'), {
      code: 'ERR_UNKNOWN_BUILTIN_MODULE',
    });
    const e = sqliteLoadError(builtin, 'v20.20.2') as Error & { code: string; cause: unknown };
    expect(isConvergeError(e)).toBe(true);
    expect(e.code).toBe('NODE_VERSION');
    expect(e.message).toContain('@converge/store-sqlite (node:sqlite) needs Node >= 22.13, found v20.20.2');
    expect(e.message).toContain('`npx node FILE`');
    expect(e.cause).toBe(builtin);
    const other = new Error('disk full');
    expect(sqliteLoadError(other, 'v24.0.0')).toBe(other);
  });

  // Needs a Node older than 22.13 on the system PATH (this repository's machines have Node 20).
  it.skipIf(systemNode === undefined)(
    `AO-13 the examples stop at once, exit 2, naming the Node they need (system Node: ${systemNode ?? 'none older than 22.13 on PATH: skipped'})`,
    () => {
      for (const [example, args, needs] of [
        ['embedding', ['--once'], 'examples/embedding needs Node >= 22.13 (for node:sqlite)'],
        ['kube-operator', ['--test-api', '--once'], 'examples/kube-operator needs Node >= 22.19'],
      ] as const) {
        const r = spawnSync(systemNode!, [join(root, 'examples', example, 'operator.mjs'), ...args], {
          encoding: 'utf8',
          timeout: 30_000,
        });
        expect(r.status, r.stderr).toBe(2);
        expect(r.stderr).toContain(needs);
        expect(r.stderr).toContain('npx node operator.mjs');
        expect(r.stderr).not.toContain('ERR_UNKNOWN_BUILTIN_MODULE');
      }
    },
  );
});
