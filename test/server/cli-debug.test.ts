import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { type DebugCommandOptions, debugCommand } from 'converge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { untilLogged } from '../support/events-file.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const run = promisify(execFile);

/** Runs a converge subcommand; resolves with its exit code and output (a failure is not thrown). */
async function converge(args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(bin, args, { env, encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

/** The first JSON log line of `child` whose msg is `msg`. */
function logLine(child: ChildProcessWithoutNullStreams, msg: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    let buffered = '';
    const onData = (chunk: string) => {
      buffered += chunk;
      for (const line of buffered.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) {
            child.stdout.off('data', onData);
            resolve(parsed);
            return;
          }
        } catch {}
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
  });
}

/** A long-running `converge run` of the quickstart, serving on a free port and its default debug socket. */
describe('converge run serves HTTP and the debug socket; the debug CLI talks to it', () => {
  const work = mkdtempSync(join(tmpdir(), 'converge-serve-'));
  const events = join(work, 'events.jsonl');
  const socket = join(work, 'debug.socket');
  let child: ChildProcessWithoutNullStreams;
  let url: string;
  let exited: Promise<number | null>;
  beforeAll(async () => {
    child = spawn(
      bin,
      [
        'run',
        join(quickstart, 'modules'),
        '--global-hooks',
        join(quickstart, 'global-hooks'),
        '--config',
        join(quickstart, 'config.yaml'),
        '--store',
        `sqlite:${join(work, 'events.sqlite')}`,
        '--events',
        events,
        '--listen',
        '127.0.0.1:0',
        '--json',
      ],
      { cwd: work },
    );
    exited = new Promise((r) => child.on('exit', (code) => r(code)));
    const serving = await logLine(child, 'serving');
    url = serving.url as string;
    await untilLogged(events, 'ConvergeCompleted', child);
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });

  it('serves /readyz, /status/converge and /metrics on the --listen port, and the debug socket beside the store', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toContain(':9650');
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${url}/status/converge`)).text()).toBe(
      'STARTUP_CONVERGE_DONE\nCONVERGE_WAIT_TASK\n',
    );
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('addon_operator_convergence_total{activation="OperatorStartup"} 1');
    expect(existsSync(socket)).toBe(true);
  });

  it('queue list, queue main, module list/values/config, hook list/snapshots answer over the socket', async () => {
    // The `converge` bin once (argument parsing included); the other subcommands in-process, same socket.
    const queueList = await converge(['queue', 'list', '--debug-socket', socket]);
    expect(queueList.code).toBe(0);
    expect(queueList.stdout).toContain('Summary:');
    expect(queueList.stdout).toContain("- 'main' queue: empty.");
    const ask = async (o: Omit<DebugCommandOptions, 'debugSocket'>) => {
      const out = new PassThrough().setEncoding('utf8');
      const err = new PassThrough().setEncoding('utf8');
      const code = await debugCommand({ ...o, debugSocket: socket }, out, err);
      out.end();
      err.end();
      return {
        code,
        stdout: (out.read() as string | null) ?? '',
        stderr: (err.read() as string | null) ?? '',
      };
    };
    const [queueMain, moduleList, values, config, hookList, snapshots] = await Promise.all([
      ask({ group: 'queue', sub: 'main', args: [], output: 'json' }),
      ask({ group: 'module', sub: 'list', args: [] }),
      ask({ group: 'module', sub: 'values', args: ['echo-server'], output: 'json' }),
      ask({ group: 'module', sub: 'config', args: ['echo-server'], global: true }),
      ask({ group: 'hook', sub: 'list', args: [], output: 'json' }),
      ask({ group: 'hook', sub: 'snapshots', args: ['dashboard', 'hooks/watch-echo.sh'], output: 'json' }),
    ]);
    expect(JSON.parse(queueMain.stdout)).toEqual({ name: 'main', tasksCount: 0, status: '', tasks: [] });
    expect(parse(moduleList.stdout)).toEqual({ enabledModules: ['dashboard', 'echo-server'] });
    // Values: values.yaml, the config section and the beforeHelm hook's patch.
    expect(JSON.parse(values.stdout)).toMatchObject({
      replicas: 2,
      image: 'ealen/echo-server:0.9.2-quickstart',
    });
    expect(parse(config.stdout)).toEqual({
      global: { clusterName: 'quickstart' },
      echoServer: { replicas: 2 },
    });
    expect(JSON.parse(hookList.stdout)).toEqual(
      expect.arrayContaining([
        'hooks/000-startup.sh',
        'dashboard/hooks/watch-echo.sh',
        'echo-server/hooks/pick-image.sh',
      ]),
    );
    const snap = JSON.parse(snapshots.stdout) as { echo: { filterResult: unknown }[] };
    expect(snap.echo.map((o) => o.filterResult)).toEqual(['echo-server']);
    const unknown = await ask({ group: 'module', sub: 'values', args: ['nope'] });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('module not found: nope');
    const noServer = await debugCommand(
      { group: 'queue', sub: 'list', args: [], debugSocket: join(work, 'none.socket') },
      new PassThrough(),
      new PassThrough(),
    );
    expect(noServer).toBe(1);
  });

  it('DEBUG_UNIX_SOCKET is the fallback of --debug-socket', async () => {
    const viaEnv = await converge(['module', 'list', '-o', 'json'], {
      ...process.env,
      DEBUG_UNIX_SOCKET: socket,
    });
    expect(viaEnv.code).toBe(0);
    expect(JSON.parse(viaEnv.stdout)).toEqual({ enabledModules: ['dashboard', 'echo-server'] });
  });

  it('a second run on the same port exits 1 naming the address', async () => {
    const port = new URL(url).port;
    const second = await converge([
      'run',
      join(quickstart, 'modules'),
      '--store',
      `sqlite:${join(work, 'second', 'events.sqlite')}`,
      '--listen',
      `127.0.0.1:${port}`,
      '--json',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
  });

  it('--once serves only when --listen is given', async () => {
    const once = (name: string, extra: string[]) =>
      converge([
        'run',
        join(quickstart, 'modules'),
        '--global-hooks',
        join(quickstart, 'global-hooks'),
        '--store',
        `sqlite:${join(work, name, 'events.sqlite')}`,
        '--once',
        '--json',
        ...extra,
      ]);
    const [listening, quiet] = await Promise.all([
      once('listen', ['--listen', '127.0.0.1:0']),
      once('quiet', []),
    ]);
    expect(listening.code).toBe(0);
    expect(quiet.code).toBe(0);
    const served = listening.stdout.split('\n').find((l) => l.includes('"msg":"serving"'));
    expect(JSON.parse(served ?? '{}')).toMatchObject({
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      debugSocket: join(work, 'listen', 'debug.socket'),
    });
    expect(existsSync(join(work, 'listen', 'debug.socket'))).toBe(false);
    expect(quiet.stdout).not.toContain('"msg":"serving"');
  });

  it('SIGTERM stops the run, the server and removes the debug socket', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(existsSync(socket)).toBe(false);
  });
});
