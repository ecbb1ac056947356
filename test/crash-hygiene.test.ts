import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePrivateTempDir, processGroupMembers } from '@converge/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { LeftoverGroups } from './support/leftover-groups.js';

/**
 * An operator process that embeds the engine (test/fixtures/crash-run/operator.mjs) is killed with
 * SIGKILL while its onStartup hook sleeps; the next run on the same store ends what it left.
 */

const operator = join(import.meta.dirname, 'fixtures', 'crash-run', 'operator.mjs');
const work = mkdtempSync(join(tmpdir(), 'converge-crash-test-'));
const leftover = new LeftoverGroups();
afterAll(() => {
  leftover.killAll();
  rmSync(work, { recursive: true, force: true });
});

interface Line {
  msg?: string;
  event?: string;
  spawned?: number;
  command?: string[];
  pgid?: number;
}

/** Starts the operator; `lines` collects its stdout JSON lines, `next(pred)` resolves on the first match. */
function startOperator(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [operator, join(work, 'records.json'), join(work, 'tmp')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Line[] = [];
  const waiters: { pred: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const w of waiters.splice(0)) {
        if (w.pred(line)) w.resolve(line);
        else waiters.push(w);
      }
    }
  });
  const next = (pred: (l: Line) => boolean) =>
    new Promise<Line>((resolve, reject) => {
      const found = lines.find(pred);
      if (found) return resolve(found);
      waiters.push({ pred, resolve });
      child.once('exit', () => reject(new Error(`operator exited first; stderr: ${stderr}`)));
    });
  return { child, lines, next, stderr: () => stderr };
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : once(child, 'exit');

describe('crash hygiene', () => {
  it('the next run ends the hook process group a SIGKILLed run left and removes its temp dirs, not a live process’s', async () => {
    // Run 1: the onStartup hook sleeps; the operator dies by SIGKILL while it runs.
    const first = startOperator({ SLEEPY: '1' });
    const hook = await first.next(
      (l) => l.spawned !== undefined && l.command?.at(-1)?.endsWith('sleepy.sh') === true,
    );
    const pgid = hook.spawned as number;
    leftover.track(pgid);
    first.child.kill('SIGKILL');
    await exited(first.child);
    // The bug this guards against: the hook's process group outlives its operator …
    expect(processGroupMembers(pgid).length).toBeGreaterThan(0);
    // … and so do the hook's private files, named after the dead operator's pid.
    const deadDirs = readdirSync(join(work, 'tmp')).filter((n) =>
      n.startsWith(`converge-hook-${first.child.pid}-`),
    );
    expect(deadDirs).toHaveLength(1);
    const recorded = JSON.parse(readFileSync(join(work, 'records.json'), 'utf8'));
    expect(recorded[`process-group/${pgid}`]).toMatchObject({ pgid, owner: { pid: first.child.pid } });
    // A live process's private dir in the same place (this test's own).
    const live = makePrivateTempDir('hook', join(work, 'tmp'));

    // Run 2 on the same store: the old group is killed before any hook of its own starts.
    const second = startOperator({});
    await exited(second.child);
    expect(second.child.exitCode, second.stderr()).toBe(0);
    const killed = second.lines.findIndex((l) => l.msg?.startsWith(`killed process group ${pgid} `));
    const firstHook = second.lines.findIndex((l) => l.spawned !== undefined);
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(firstHook).toBeGreaterThan(killed);
    expect(second.lines[killed]).toMatchObject({ pgid, command: hook.command });
    expect(second.lines.some((l) => l.event === 'HookSucceeded')).toBe(true);
    expect(processGroupMembers(pgid)).toEqual([]);
    expect(existsSync(join(work, 'tmp', deadDirs[0] as string))).toBe(false);
    expect(existsSync(live)).toBe(true);
    // Every group of run 2 ended with it: no record is left behind.
    const records = JSON.parse(readFileSync(join(work, 'records.json'), 'utf8'));
    expect(Object.keys(records).filter((k) => k.startsWith('process-group/'))).toEqual([]);
  });
});
