import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DatabaseSync } from 'node:sqlite';
import { replay } from '@converge/core';
import { openSqliteEventReader } from '@converge/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-store-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real bin to its end. */
function converge(args: string[], cwd = work) {
  const run = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const runQuickstart = (...extra: string[]) => [
  'run',
  join(quickstart, 'modules'),
  '--global-hooks',
  join(quickstart, 'global-hooks'),
  '--json',
  ...extra,
];

/**
 * One `run --once --events events.jsonl` of the quickstart on the default store (`.converge/` in
 * its cwd), made on first use and shared: the tests that need "a directory after a run" copy it
 * instead of running the quickstart again.
 */
let seeded: string | undefined;
function seedRun(): string {
  if (seeded) return seeded;
  const cwd = join(work, 'seed');
  mkdirSync(cwd);
  const r = converge(runQuickstart('--once', '--events', join(cwd, 'events.jsonl')), cwd);
  expect(r.code, r.stderr).toBe(0);
  seeded = cwd;
  return cwd;
}

/** A copy of the seed run's directory (its store, lock file left out, and its events file). */
function afterOneRun(name: string): string {
  const cwd = join(work, name);
  cpSync(seedRun(), cwd, { recursive: true, filter: (src) => !src.endsWith('.lock') });
  return cwd;
}

/** Starts the bin; `line(p)` resolves with the first stdout line matching `p`. */
function start(args: string[]) {
  const child = spawn(bin, args, { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
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
      exited.then((code) => reject(new Error(`exited ${code} before a line matched ${pattern}`)));
    });
  return { child: child as ChildProcess, exited, line };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('converge run: one writer per store', () => {
  it('a second run on the same --store exits 1 naming the store and the holder; the log replays strictly', async () => {
    const path = join(work, 'shared.sqlite');
    const first = start(runQuickstart('--store', `sqlite:${path}`));
    await first.line(/"msg":"converging"/);
    const second = converge(runQuickstart('--once', '--store', `sqlite:${path}`));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`${path}: the event store is locked by another writer`);
    expect(second.stderr).toContain(`pid ${first.child.pid} on host`);
    expect(second.stderr).toMatch(/\(run run-[0-9T-]+Z\)/);
    // Readers do not wait for the writer.
    const started = converge(['events', `sqlite:${path}`, '--type', 'EngineStarted', '--json']);
    expect(started.code, started.stderr).toBe(0);
    expect(jsonLines(started.stdout)).toHaveLength(1);
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(130);
    const table = converge(['replay', `sqlite:${path}`, '--json']);
    expect(table.code, table.stderr).toBe(0);
    const reader = openSqliteEventReader(path);
    const events = reader.read();
    await reader.close();
    expect(events.filter((e) => e.type === 'EngineStarted')).toHaveLength(1);
    expect(replay(events, undefined, { strict: true }).seq).toBe(events.length);
    expect(JSON.parse(table.stdout).seq).toBe(events.length);
  });

  it('a store whose last row was altered is refused: exit 1 naming the seq and the path', () => {
    const path = join(work, 'altered.sqlite');
    copyFileSync(join(seedRun(), '.converge', 'events.sqlite'), path);
    const raw = new DatabaseSync(path);
    const last = raw.prepare('SELECT seq, json FROM events ORDER BY seq DESC LIMIT 1').get() as {
      seq: number;
      json: string;
    };
    // One bit of one payload byte flips (the first letter of the type); the checksum stays.
    const i = last.json.indexOf('"type":"') + '"type":"'.length;
    const json =
      last.json.slice(0, i) + String.fromCharCode(last.json.charCodeAt(i) ^ 1) + last.json.slice(i + 1);
    raw.prepare('UPDATE events SET json = ? WHERE seq = ?').run(json, last.seq);
    raw.close();
    const r = converge(runQuickstart('--once', '--store', `sqlite:${path}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: seq ${last.seq}: checksum mismatch`);
    expect(r.stderr).toContain('refusing to append to a corrupt store');
  });
});

describe('readers never create a store', () => {
  it('events, replay and viz timeline on a missing store exit 1 naming the path and create nothing', () => {
    const dir = join(work, 'nowhere');
    const path = join(dir, 'events.sqlite');
    for (const args of [
      ['events', `sqlite:${path}`],
      ['replay', `sqlite:${path}`],
      ['viz', 'timeline', `sqlite:${path}`, '-o', join(work, 'timeline.html')],
    ]) {
      const r = converge(args);
      expect([args[0], r.code]).toEqual([args[0], 1]);
      expect(r.stderr).toContain(`${path}: no event store there`);
    }
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(join(work, 'timeline.html'))).toBe(false);
  });

  it('an empty (0-byte) store file exits 1 naming it', () => {
    const path = join(work, 'empty.sqlite');
    writeFileSync(path, '');
    const r = converge(['events', `sqlite:${path}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${path}: the event store file is empty (0 bytes)`);
    expect(statSync(path).size).toBe(0);
  });
});

describe('converge run files', () => {
  it('the default store under .converge/ is 0700, its files 0600, and the --events file and a timeline page 0600', () => {
    const cwd = seedRun();
    const events = join(cwd, 'events.jsonl');
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(join(cwd, '.converge'))).toBe(0o700);
    expect(mode(join(cwd, '.converge', 'events.sqlite'))).toBe(0o600);
    expect(mode(join(cwd, '.converge', 'events.sqlite.lock'))).toBe(0o600);
    expect(mode(events)).toBe(0o600);
    const page = join(cwd, 'timeline.html');
    expect(
      converge(['viz', 'timeline', `sqlite:${join(cwd, '.converge', 'events.sqlite')}`, '-o', page]).code,
    ).toBe(0);
    expect(mode(page)).toBe(0o600);
  });

  it('--events appends: a second run continues the seqs, and the file holds both runs', () => {
    const cwd = afterOneRun('twice');
    const events = join(cwd, 'events.jsonl');
    const firstRun = jsonLines(readFileSync(events, 'utf8'));
    expect(converge(runQuickstart('--once', '--events', events), cwd).code).toBe(0);
    const log = jsonLines(readFileSync(events, 'utf8'));
    expect(log.length).toBeGreaterThan(firstRun.length);
    expect(log.slice(0, firstRun.length)).toEqual(firstRun);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const runs = log.filter((e) => e.type === 'EngineStarted').map((e) => e.runId);
    expect(runs).toHaveLength(2);
    expect(new Set(runs).size).toBe(2);
    expect(converge(['replay', events]).code).toBe(0);
  });

  it('--events whose last line is torn: exit 1 naming the file and line, the file unchanged', () => {
    const cwd = afterOneRun('torn');
    const events = join(cwd, 'events.jsonl');
    const lines = readFileSync(events, 'utf8').split('\n').length - 1;
    writeFileSync(events, `${readFileSync(events, 'utf8')}{"seq":`);
    const before = readFileSync(events, 'utf8');
    const r = converge(runQuickstart('--once', '--events', events), cwd);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${events}:${lines + 1}: torn last line`);
    expect(readFileSync(events, 'utf8')).toBe(before);
  });

  it('--events ahead of the store is refused: it holds another store log', () => {
    const cwd = afterOneRun('ahead');
    const events = join(cwd, 'events.jsonl');
    const r = converge(
      runQuickstart('--once', '--events', events, '--store', `sqlite:${join(cwd, 'new.sqlite')}`),
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${events} ends at seq \\d+, after the store's last seq 0`));
  });
});
