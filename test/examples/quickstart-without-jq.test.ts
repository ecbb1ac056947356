import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const work = mkdtempSync(join(tmpdir(), 'converge-no-jq-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A PATH of one directory holding only what the quickstart's hooks and the bin need: no jq. */
function pathWithoutJq(): string {
  const dir = join(work, 'bin');
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, 'node'));
  for (const tool of ['bash', 'cat', 'dirname']) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, tool)).find((p) => existsSync(p));
    if (!found) throw new Error(`${tool} not found in /usr/bin or /bin`);
    symlinkSync(found, join(dir, tool));
  }
  return dir;
}

describe('a machine without jq', () => {
  it('AO-46 the quickstart converges: hooks call the bundled jq, jqFilters run on the WebAssembly jq', () => {
    const quickstart = join(work, 'quickstart');
    cpSync(join(root, 'examples', 'quickstart'), quickstart, { recursive: true });
    const PATH = pathWithoutJq();
    expect(spawnSync('jq', ['--version'], { env: { PATH } }).error).toBeDefined();
    const events = join(work, 'events.jsonl');
    const r = spawnSync(
      bin,
      [
        'run',
        join(quickstart, 'modules'),
        '--global-hooks',
        join(quickstart, 'global-hooks'),
        '--config',
        join(quickstart, 'config.yaml'),
        '--once',
        '--json',
        '--events',
        events,
      ],
      { cwd: work, env: { PATH, HOME: work }, encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toContain('jq: command not found');
    const log = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // pick-image.sh read the cluster name with jq; watch-echo.sh counted Deployments with jq, whose
    // binding's jqFilter (.metadata.name) ran in the engine.
    const image = log.find((e) => e.type === 'ValuesChanged' && e.scope === 'echo-server');
    expect(image.patch[0].value).toMatch(/^ealen\/echo-server:0\.9\.2-/);
    expect(image.patch[0].value).not.toMatch(/-unknown$/);
    const count = log.filter((e) => e.type === 'ValuesChanged' && e.scope === 'dashboard').at(-1);
    expect(count.patch).toEqual([{ op: 'add', path: '/dashboard/echoDeployments', value: 1 }]);
    expect(
      log
        .filter((e) => e.type === 'ModuleReady')
        .map((e) => e.module)
        .sort(),
    ).toEqual(['dashboard', 'echo-server']);
  });
});
