import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** examples/go-hooks: the module-sdk Go program (hooks/) and its module (modules/). */
export const goHooksExample = join(import.meta.dirname, '..', '..', 'examples', 'go-hooks');

/** Why the Go hook tests cannot run here (no `go` on PATH), or undefined when they can. */
export const goMissing: string | undefined = (() => {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  return probe.status === 0
    ? undefined
    : 'skipped: `go` is not on PATH (install Go to run the module-sdk hook tests)';
})();

/**
 * Builds examples/go-hooks/hooks with `go build` into a directory outside the source tree keyed by
 * a hash of its sources (go.mod, go.sum, *.go), so a second run, or a second test file, reuses the
 * binary; Go's own build cache makes a rebuild after an edit incremental. Returns the binary's path.
 */
export function buildGoHooks(): string {
  const src = join(goHooksExample, 'hooks');
  const hash = createHash('sha256');
  for (const f of readdirSync(src).sort())
    if (f === 'go.mod' || f === 'go.sum' || f.endsWith('.go'))
      hash.update(f).update(readFileSync(join(src, f)));
  const dir = join(tmpdir(), 'converge-go-hooks', hash.digest('hex').slice(0, 16));
  const binary = join(dir, 'go-hooks');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  // Build beside the final name, then rename: test files building at once never see half a binary.
  const partial = join(dir, `go-hooks.${process.pid}`);
  execFileSync('go', ['build', '-o', partial, '.'], {
    cwd: src,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim() },
  });
  renameSync(partial, binary);
  return binary;
}
