import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const launcher = realpathSync(join(root, 'node_modules', '.bin', 'converge'));
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-launcher-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The first `node` on the system PATH (node_modules left out) that is older than 22.13, if any. */
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
/**
 * How the launcher is started on a Node below 22.13: the system's own old Node when there is one,
 * else this Node with a preload that makes it report v20.0.0 (so these tests run on every machine).
 */
const oldNode: { command: string; args: string[]; name: string } = systemNode
  ? { command: systemNode, args: [], name: `the system Node (${systemNode})` }
  : {
      command: process.execPath,
      args: [
        '--import',
        pathToFileURL(join(import.meta.dirname, '..', 'support', 'report-node-20.mjs')).href,
      ],
      name: 'a Node that reports v20.0.0',
    };

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `converge run` (no --once, so it runs until stopped) through the launcher on an old
 * Node (`oldNode`), waits until the engine converges, and returns both processes.
 */
async function startThroughLauncher(name: string) {
  const child = spawn(
    oldNode.command,
    [
      ...oldNode.args,
      launcher,
      'run',
      join(quickstart, 'modules'),
      '--global-hooks',
      join(quickstart, 'global-hooks'),
      '--json',
      '--store',
      `sqlite:${join(work, `${name}.sqlite`)}`,
    ],
    { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => r({ code, signal })),
  );
  for await (const line of createInterface({ input: child.stdout }))
    if (line.includes('"msg":"converging"')) break;
  const engines = execFileSync('ps', ['--ppid', String(child.pid), '-o', 'pid=,args='], { encoding: 'utf8' })
    .trim()
    .split('\n');
  expect(engines).toHaveLength(1);
  const [pid, ...args] = engines[0].trim().split(/\s+/);
  expect(args.join(' ')).toContain(join('node_modules', 'node', 'bin', 'node'));
  return { launcher: child, engine: Number(pid), exited };
}

describe(`the converge launcher on ${oldNode.name}`, () => {
  it('SIGTERM to the launcher stops the engine it started, and the launcher exits with its status', async () => {
    const { launcher: child, engine, exited } = await startThroughLauncher('term');
    expect(alive(engine)).toBe(true);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    // The engine ends a run on SIGTERM with its own status (130 or 143, both "stopped by a signal").
    expect(signal).toBeNull();
    expect([130, 143]).toContain(code);
    expect(alive(engine)).toBe(false);
  });

  it('an engine killed by a signal ends the launcher by the same signal', async () => {
    const { engine, exited } = await startThroughLauncher('kill');
    process.kill(engine, 'SIGKILL');
    expect(await exited).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('SIGHUP, which the engine does not handle, reaches it and ends both', async () => {
    const { launcher: child, engine, exited } = await startThroughLauncher('hup');
    child.kill('SIGHUP');
    expect(await exited).toEqual({ code: null, signal: 'SIGHUP' });
    expect(alive(engine)).toBe(false);
  });
});
