import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { replay } from '@converge/core';
import { openPostgresEventReader, PostgresLeases } from '@converge/store-postgres';
import { startPostgres } from '@converge/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-pg-'));

// One PostgreSQL server for the whole file; each test writes streams of its own.
let server: Awaited<ReturnType<typeof startPostgres>>;
let password: string;
beforeAll(async () => {
  server = await startPostgres();
  password = new URL(server.url).password;
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Runs the real bin to its end. */
function converge(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: work, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

const runQuickstart = (...extra: string[]) => [
  'run',
  join(quickstart, 'modules'),
  '--global-hooks',
  join(quickstart, 'global-hooks'),
  '--config',
  join(quickstart, 'config.yaml'),
  '--json',
  ...extra,
];

/** A long-running run serves HTTP and a debug socket: on a free port and a socket of its own. */
const served = (name: string) => [
  '--listen',
  '127.0.0.1:0',
  '--debug-socket',
  join(work, `${name}.debug.socket`),
];

/** Starts the bin; `line(p)` resolves with the first stdout line matching `p`. */
function start(args: string[]) {
  const child = spawn(bin, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const lines = createInterface({ input: child.stdout! });
  const seen: string[] = [];
  const waiting: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  lines.on('line', (l) => {
    seen.push(l);
    for (const w of waiting.splice(0))
      if (w.test(l)) w.resolve(l);
      else waiting.push(w);
  });
  const line = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const found = seen.find((l) => pattern.test(l));
      if (found) return resolve(found);
      waiting.push({ test: (l) => pattern.test(l), resolve });
      exited.then((code) => reject(new Error(`exited ${code} before a line matched ${pattern}: ${stderr}`)));
    });
  return { child: child as ChildProcess, exited, line, seen, stderr: () => stderr };
}

describe('converge run --store postgres://', () => {
  it('a second writer exits 1 at once naming the stream and its holder; after the holder is killed the next run takes over at once and continues its seqs with the releases it left; events --follow and replay read the URL', async () => {
    // No --stream: the default stream, `embedded`.
    const writer = start(runQuickstart('--store', server.url, ...served('held')));
    await writer.line(/"msg":"converging"/);
    const follower = start(['events', server.url, '--follow', '--json']);
    const firstRun = JSON.parse(await follower.line(/"type":"EngineStarted"/));
    await follower.line(/"type":"ConvergeCompleted"/);

    const second = await converge(runQuickstart('--once', '--store', server.url));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('stream "embedded": the event store is locked by another writer');
    expect(second.stderr).toContain(`pid ${writer.child.pid} on host`);
    expect(second.stderr).toMatch(/\(run run-[0-9T-]+Z\)/);
    expect(second.stderr).toContain('postgres://converge:***@');
    expect(second.stderr).not.toContain(password);

    // kill -9: the lease is not released, but the holder's session (and its session lock) is gone.
    writer.child.kill('SIGKILL');
    await writer.exited;
    const next = await converge(runQuickstart('--once', '--store', server.url));
    expect(next.code, next.stderr).toBe(0);
    for (const out of [next.stdout, next.stderr]) expect(out).not.toContain(password);
    // The next run's events were appended while the follower waited: they arrive through LISTEN/NOTIFY.
    const stopped = JSON.parse(await follower.line(/"type":"EngineStopped"/));
    follower.child.kill('SIGINT');
    expect(await follower.exited).toBe(0);
    const events = follower.seen.map((l) => JSON.parse(l));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const runs = events.filter((e) => e.type === 'EngineStarted');
    expect(runs.map((e) => e.runId)).toEqual([firstRun.runId, stopped.runId]);
    expect(events.at(-1)).toEqual(stopped);
    // The embedded releases persisted in the stream's records: the next run found them unchanged.
    const nextRun = events.filter((e) => e.seq >= runs[1].seq);
    expect(nextRun.filter((e) => e.type === 'HelmUpgradeSkipped').map((e) => e.module)).toEqual([
      'echo-server',
      'dashboard',
    ]);
    expect(nextRun.some((e) => e.type === 'HelmReleaseUpgraded')).toBe(false);
    const db = new pg.Client(server.url);
    await db.connect();
    const { rows } = await db.query(
      `SELECT key FROM converge.records WHERE stream = 'embedded' AND key LIKE 'helm/releases/%' ORDER BY key`,
    );
    await db.end();
    expect(rows.map((r) => r.key)).toEqual(['helm/releases/dashboard', 'helm/releases/echo-server']);
    expect(replay(events, undefined, { strict: true }).seq).toBe(events.length);

    const table = await converge(['replay', server.url, '--stream', 'embedded', '--json']);
    expect(table.code, table.stderr).toBe(0);
    expect(JSON.parse(table.stdout).seq).toBe(events.length);
  });

  it('a run whose stream is taken over stops at its next append and exits 1 naming the stream; it writes nothing more', async () => {
    const stream = 'taken';
    const config = join(work, 'taken-config.yaml');
    copyFileSync(join(quickstart, 'config.yaml'), config);
    const args = runQuickstart('--store', server.url, '--stream', stream, ...served('taken')).map((a) =>
      a === join(quickstart, 'config.yaml') ? config : a,
    );
    const writer = start(args);
    await writer.line(/"msg":"converging"/);
    const leases = new PostgresLeases(server.url);
    const taken = await leases.acquire(stream, { owner: 'replica-b', durationMs: 60_000, takeOver: true });
    await leases.close();
    expect(taken.acquired).toBe(true);
    const reader = openPostgresEventReader(server.url, { stream });
    const atTakeover = reader.lastSeq();
    // A config change makes the engine append (ConfigReceived): that append is refused.
    writeFileSync(config, readFileSync(config, 'utf8').replace('replicas: 2', 'replicas: 3'));
    expect(await writer.exited).toBe(1);
    expect(writer.stderr()).toContain(
      `stream "${stream}": this writer's lease (epoch 1) was taken over (epoch 2`,
    );
    expect(writer.stderr()).not.toContain(password);
    // A clean exit through the run's own message, not a crash with a stack.
    expect(writer.stderr()).toMatch(/^converge: postgres:\/\/converge:\*\*\*@/m);
    expect(writer.stderr()).not.toMatch(/\n\s+at /);
    expect(reader.lastSeq()).toBe(atTakeover);
    expect(reader.read().some((e) => e.type === 'EngineStopped')).toBe(false);
    await reader.close();
  });
});
