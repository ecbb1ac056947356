import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { openSqliteEventStore } from '@converge/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import {
  liveGroupMembers,
  type StuckModules,
  waitForFile,
  writeScript,
  writeStuckModules,
} from './stuck-modules.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');

let dir: StuckModules | undefined;
let child: ChildProcessWithoutNullStreams | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (dir) rmSync(dir.root, { recursive: true, force: true });
  dir = undefined;
});

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Starts `converge run` on the stuck module with a sqlite store and a JSONL event file in its directory. */
function runConverge(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { exited: Promise<Exit>; lines: (match: string) => Promise<void> } {
  const d = dir!;
  child = spawn(
    bin,
    [
      'run',
      d.modulesDir,
      '--json',
      '--events',
      join(d.root, 'events.jsonl'),
      '--store',
      `sqlite:${join(d.root, 'events.sqlite')}`,
      ...args,
    ],
    { cwd: d.root, env },
  );
  let stdout = '';
  let stderr = '';
  const waiters: { match: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const w of waiters.splice(0)) {
      if (stdout.includes(w.match)) w.resolve();
      else waiters.push(w);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const proc = child;
  const exited = new Promise<Exit>((resolve) => proc.on('exit', (code) => resolve({ code, stdout, stderr })));
  const lines = (match: string) =>
    new Promise<void>((resolve) => {
      if (stdout.includes(match)) resolve();
      else waiters.push({ match, resolve });
    });
  return { exited, lines };
}

/** The event types of the run's log, from the JSONL file and from the sqlite store. */
function loggedTypes(d: StuckModules): { jsonl: string[]; sqlite: string[] } {
  const jsonl = readFileSync(join(d.root, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).type as string);
  const store = openSqliteEventStore(join(d.root, 'events.sqlite'));
  const sqlite = store.read().map((e) => e.type);
  void store.close();
  return { jsonl, sqlite };
}

/** Runs the stuck module, waits until its hook sleeps, sends `signal`, and checks the exit. */
async function stopWith(
  signal: NodeJS.Signals,
  expected: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  dir = writeStuckModules();
  const run = runConverge(['--stop-grace', '1s'], env);
  const pgid = Number(await waitForFile(dir.pidFile));
  expect(liveGroupMembers(pgid).length).toBeGreaterThan(0);
  const started = performance.now();
  child!.kill(signal);
  const exit = await run.exited;
  const elapsed = performance.now() - started;
  expect(exit.code, exit.stderr).toBe(expected);
  expect(elapsed).toBeLessThan(1_000 + 10_000);
  expect(liveGroupMembers(pgid)).toEqual([]);
  const { jsonl, sqlite } = loggedTypes(dir);
  expect(jsonl.at(-1)).toBe('EngineStopped');
  expect(sqlite.at(-1)).toBe('EngineStopped');
  expect(sqlite).toEqual(jsonl);
  return elapsed;
}

describe('converge run never hangs on the way out', () => {
  it('SIGTERM during a hook stuck in `sleep 1000`: exit 143 within the grace + 10 s, the hook group gone, EngineStopped last', async () => {
    await stopWith('SIGTERM', 143);
  });

  it('SIGINT during a hook stuck in `sleep 1000`: exit 130 within the grace + 10 s, the hook group gone, EngineStopped last', async () => {
    await stopWith('SIGINT', 130);
  });

  it('SIGTERM to the bin run with the system PATH (the launcher re-executing on the node package): exit 143, nothing left', async () => {
    const systemPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((p) => !p.includes('node_modules'))
      .join(delimiter);
    await stopWith('SIGTERM', 143, { ...process.env, PATH: systemPath });
  });

  it('SIGTERM while a global hook’s --config hangs at startup: exit 143, the --config process group gone, EngineStopped last', async () => {
    dir = writeStuckModules();
    const globalHooks = join(dir.root, 'global-hooks');
    mkdirSync(globalHooks);
    writeScript(join(globalHooks, '010-stuck.sh'), [
      `echo $$ > ${JSON.stringify(dir.pidFile)}`,
      'sleep 1000',
    ]);
    const run = runConverge(['--global-hooks', globalHooks, '--stop-grace', '1s']);
    const pgid = Number(await waitForFile(dir.pidFile));
    const started = performance.now();
    child!.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(143);
    expect(exit.stderr).toContain('SIGTERM during startup');
    expect(performance.now() - started).toBeLessThan(1_000 + 10_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(loggedTypes(dir).sqlite.at(-1)).toBe('EngineStopped');
  });

  it('--once --timeout 2s with a hook stuck in `sleep 1000`: exit 1 naming the timeout and the hook, nothing left running', async () => {
    dir = writeStuckModules();
    const run = runConverge(['--once', '--timeout', '2s', '--stop-grace', '1s']);
    const pgid = Number(await waitForFile(dir.pidFile));
    // From the hook's start (the run's own start, a node startup, is not what this bounds).
    const started = performance.now();
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(1);
    expect(performance.now() - started).toBeLessThan(2_000 + 1_000 + 10_000);
    expect(exit.stderr).toContain('timeout after 2s');
    expect(exit.stderr).toContain('hook hooks/sleep.sh of module stuck (beforeHelm)');
    expect(liveGroupMembers(pgid)).toEqual([]);
    const { jsonl, sqlite } = loggedTypes(dir);
    expect(jsonl.at(-1)).toBe('EngineStopped');
    expect(sqlite.at(-1)).toBe('EngineStopped');
  });

  it('a second SIGTERM during a 60 s stop grace aborts the stuck hook at once', async () => {
    dir = writeStuckModules();
    const run = runConverge(['--stop-grace', '60s']);
    const pgid = Number(await waitForFile(dir.pidFile));
    const started = performance.now();
    child!.kill('SIGTERM');
    await run.lines('running tasks have the stop grace to end');
    child!.kill('SIGTERM');
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(143);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(loggedTypes(dir).sqlite.at(-1)).toBe('EngineStopped');
  });

  it('--hook-timeout 1s kills a sleeping hook: HookFailed "timeout after 1000 ms", then a retry', async () => {
    dir = writeStuckModules();
    const run = runConverge(['--once', '--hook-timeout', '1s', '--max-attempts', '2']);
    const exit = await run.exited;
    expect(exit.code, exit.stderr).toBe(1);
    expect(exit.stderr).toContain('timeout after 1000 ms');
    const events = readFileSync(join(dir.root, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    const hookRuns = events.filter((e) => e.hook === 'hooks/sleep.sh' && e.binding === 'beforeHelm');
    expect(hookRuns.map((e) => e.type)).toEqual(['HookStarted', 'HookFailed', 'HookStarted', 'HookFailed']);
    expect(hookRuns[1].error).toMatch(/^timeout after 1000 ms/);
    expect(events.filter((e) => e.type === 'RetryScheduled' && e.module === 'stuck').length).toBeGreaterThan(
      0,
    );
    expect(events.at(-1).type).toBe('EngineStopped');
  });
});
