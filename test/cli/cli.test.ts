import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { untilLogged } from '../support/events-file.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the real bin; PATH keeps the project's Node 24 first unless told otherwise. */
function converge(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const run = spawnSync(bin, args, { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));

describe('the converge CLI', () => {
  const events = join(work, 'quickstart.jsonl');

  it('run --once --json converges the quickstart: exit 0, JSON log lines, the event log written', () => {
    const r = converge([
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
      '--store',
      `sqlite:${join(work, 'run.sqlite')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(
      lines.some((l) => l.msg === 'quickstart global startup hook ran' && l.hook === 'hooks/000-startup.sh'),
    ).toBe(true);
    expect(lines.at(-1)).toMatchObject({ code: 0, msg: 'converged: 2 modules ready' });
    const log = jsonLines(readFileSync(events, 'utf8'));
    expect(
      log
        .filter((e) => e.type === 'ModuleReady')
        .map((e) => e.module)
        .sort(),
    ).toEqual(['dashboard', 'echo-server']);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const values = log.find((e) => e.type === 'ValuesChanged' && e.scope === 'echo-server');
    expect(values.patch[0].value).toBe('ealen/echo-server:0.9.2-quickstart');
  });

  it('events filters by module and type; replay --until prints the state at that seq', () => {
    const r = converge(['events', events, '--module', 'echo-server', '--type', 'HookStarted', '--json']);
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((e) => e.module === 'echo-server' && e.type === 'HookStarted')).toBe(true);
    const log = jsonLines(readFileSync(events, 'utf8'));
    const ready = log.find((e) => e.type === 'ModuleReady' && e.module === 'echo-server').seq;
    const before = jsonLines(converge(['replay', events, '--until', String(ready - 1), '--json']).stdout)[0];
    const after = jsonLines(converge(['replay', events, '--until', String(ready), '--json']).stdout)[0];
    expect(before.modules.find((m: { module: string }) => m.module === 'echo-server').state).not.toBe(
      'ready',
    );
    expect(after.modules.find((m: { module: string }) => m.module === 'echo-server').state).toBe('ready');
    const table = converge(['replay', `sqlite:${join(work, 'run.sqlite')}`]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/echo-server\s+ready/);
  });

  it('run --once exits 1 naming the module, hook and error when a task fails --max-attempts times', () => {
    const r = converge([
      'run',
      join(root, 'test', 'fixtures', 'cli-failing', 'modules'),
      '--once',
      '--max-attempts',
      '1',
      '--json',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('module stuck');
    expect(r.stderr).toContain('hooks/refuse.sh');
    expect(r.stderr).toContain('database is not reachable');
  });

  it('run --once exits 1 when --timeout passes first', () => {
    const r = converge([
      'run',
      join(root, 'test', 'fixtures', 'cli-failing', 'modules'),
      '--once',
      '--max-attempts',
      '50',
      '--timeout',
      '2s',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('timeout after 2s');
  });

  it('validate reports every problem at once, each with its file, and exits 1', () => {
    const r = converge(['validate', join(root, 'test', 'fixtures', 'cli-broken', 'modules'), '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    const text = report.problems
      .map((p: { file: string; message: string }) => `${p.file}: ${p.message}`)
      .join('\n');
    expect(report.problems.length).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/040-bad-schema\/openapi\/config-values\.yaml: invalid schema/);
    expect(text).toMatch(
      /020-bad-hook\/hooks\/broken\.sh: .*executeHookOnSynchronization: must be a boolean/,
    );
    expect(text).toMatch(/030-bad-chart.*badChart\.name is required/);
    expect(text).toContain(
      '050-crd-beside/templates: chart: Gadget first-gadget is defined by CustomResourceDefinition gadgets.example.com in the same chart templates',
    );
    expect(
      converge(['validate', join(quickstart, 'modules'), '--global-hooks', join(quickstart, 'global-hooks')])
        .code,
    ).toBe(0);
  });

  it('viz machine exports the real module chart as Mermaid and SVG; viz timeline writes a page', () => {
    const mermaid = converge(['viz', 'machine', '--format', 'mermaid']);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout.startsWith('stateDiagram-v2')).toBe(true);
    for (const s of [
      'onStartup',
      'synchronization',
      'beforeHelm',
      'helm',
      'afterHelm',
      'ready',
      'beforeDeleteHelm',
      'uninstall',
      'afterDeleteHelm',
      'deleted',
    ])
      expect(mermaid.stdout).toContain(s);
    const svg = join(work, 'module.svg');
    expect(converge(['viz', 'machine', '--machine', 'converge', '--format', 'svg', '-o', svg]).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toContain('<svg');
    const html = join(work, 'timeline.html');
    expect(converge(['viz', 'timeline', events, '-o', html]).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('data-lane="echo-server"');
  });

  it('unknown commands and bad flags exit 2 with the usage', () => {
    const r = converge(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage:');
    expect(converge(['run', quickstart, '--max-attempts', 'many']).code).toBe(2);
  });

  it('the bin runs with the system PATH (Node 20 first) by re-executing itself on the node package', () => {
    const systemPath = (process.env.PATH ?? '')
      .split(delimiter)
      .filter((p) => !p.includes('node_modules'))
      .join(delimiter);
    const nodeVersion = execFileSync('node', ['--version'], {
      env: { ...process.env, PATH: systemPath },
      encoding: 'utf8',
    });
    const r = converge(['viz', 'machine', '--machine', 'startup', '--format', 'json'], {
      ...process.env,
      PATH: systemPath,
    });
    expect(r.code, `${nodeVersion} ${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout).states.length).toBeGreaterThan(3);
  });

  it('with no Node >= 22.13 to be found, the bin exits 2 saying so', () => {
    // The launcher runs on a Node that reports v20.0.0 (test/support/report-node-20.mjs), so the test
    // checks the same path whatever Node this machine has; its copy has no node package near it.
    const oldNode = join(root, 'test', 'support', 'report-node-20.mjs');
    const lonely = join(work, 'lonely');
    cpSync(join(root, 'packages', 'cli', 'bin'), lonely, { recursive: true });
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(oldNode).href, join(lonely, 'converge.mjs'), '--help'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/converge needs Node >= 22\.13, found v20\.0\.0/);
    expect(existsSync(join(lonely, 'converge.mjs'))).toBe(true);
  });
});

describe('docs', () => {
  it('docs/module-statechart.svg is what `converge viz machine --format svg` prints today', () => {
    const fresh = spawnSync(bin, ['viz', 'machine', '--machine', 'module', '--format', 'svg'], {
      encoding: 'utf8',
    });
    expect(fresh.status).toBe(0);
    const committed = readFileSync(join(root, 'docs', 'module-statechart.svg'), 'utf8');
    expect(fresh.stdout.trim()).toBe(committed.trim());
  });
});

describe('converge run without --once', () => {
  it('Ctrl-C (SIGINT) stops cleanly: exit 130 and the log flushed', async () => {
    const { spawn } = await import('node:child_process');
    const events = join(work, 'interrupted.jsonl');
    const child = spawn(
      bin,
      [
        'run',
        join(quickstart, 'modules'),
        '--global-hooks',
        join(quickstart, 'global-hooks'),
        '--json',
        '--events',
        events,
        '--store',
        `sqlite:${join(work, 'interrupted.sqlite')}`,
      ],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    // Wait until the first converge is done, then interrupt.
    await untilLogged(events, 'ConvergeCompleted', child);
    expect(out).toContain('"hook":"hooks/watch-echo.sh"');
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(130);
    const log = jsonLines(readFileSync(events, 'utf8'));
    expect(log.some((e) => e.type === 'ConvergeCompleted')).toBe(true);
    const table = converge(['replay', `sqlite:${join(work, 'interrupted.sqlite')}`, '--json']);
    expect(JSON.parse(table.stdout).seq).toBe(log.length);
  });
});
