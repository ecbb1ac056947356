import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureRunner, modulesDir, printed, recordingLogger, request } from './support.js';

let tmpRoot: string;
beforeAll(async () => {
  tmpRoot = await mkdtemp(join(tmpdir(), 'converge-runner-'));
});
afterAll(async () => {
  await rm(tmpRoot, { recursive: true, force: true });
});

async function demoRunner(options: Parameters<typeof fixtureRunner>[0] = {}) {
  const r = fixtureRunner({ tmpDir: tmpRoot, ...options });
  await r.runner.moduleHooks('demo');
  return r;
}

/** Whether `pid` is alive (a zombie waiting to be reaped counts as dead). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

const env = (lines: string[]) =>
  Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

describe('ProcessHookRunner: files and environment', () => {
  it('TV-98 every protocol variable points to a file; outputs start empty; the run dir is 0700 and removed', async () => {
    const { runner, logger } = await demoRunner({ env: { PATH: process.env.PATH, HOME: '/home/x' } });
    const contexts = [{ binding: 'beforeHelm', snapshots: {} }];
    const result = await runner.run(
      request('demo', 'hooks/probe.sh', {
        bindingContexts: contexts,
        values: { global: { a: 1 }, demo: { b: 2 } },
        configValues: { global: {}, demo: { c: 3 } },
      }),
    );
    expect(result).toEqual({
      ok: true,
      valuesPatch: [],
      configValuesPatch: [],
      objectPatches: [],
      metrics: [],
    });
    const seen = env(printed(logger.records, 'ENV'));
    const paths = Object.keys(seen).filter((n) => n.endsWith('_PATH'));
    expect(paths.sort()).toEqual(
      [
        'ADMISSION_RESPONSE_PATH',
        'BINDING_CONTEXT_PATH',
        'CONFIG_VALUES_JSON_PATCH_PATH',
        'CONFIG_VALUES_PATH',
        'CONVERSION_RESPONSE_PATH',
        'KUBERNETES_PATCH_PATH',
        'METRICS_PATH',
        'VALIDATING_RESPONSE_PATH',
        'VALUES_JSON_PATCH_PATH',
        'VALUES_PATH',
      ].sort(),
    );
    expect(seen.VALIDATING_RESPONSE_PATH).toBe(seen.ADMISSION_RESPONSE_PATH);
    expect(printed(logger.records, 'OUT').every((l) => l.endsWith(' 0'))).toBe(true);
    expect(printed(logger.records, 'OUT')).toHaveLength(7);
    expect(JSON.parse(printed(logger.records, 'BC')[0] as string)).toEqual(contexts);
    expect(JSON.parse(printed(logger.records, 'VALUES')[0] as string)).toEqual({
      global: { a: 1 },
      demo: { b: 2 },
    });
    expect(JSON.parse(printed(logger.records, 'CONFIG')[0] as string)).toEqual({
      global: {},
      demo: { c: 3 },
    });
    expect(printed(logger.records, 'DIRMODE')).toEqual(['700']);
    const runDir = dirname(seen.BINDING_CONTEXT_PATH as string);
    expect(dirname(runDir)).toBe(tmpRoot);
    expect(existsSync(runDir)).toBe(false);
    // addon-operator runs hooks in its own working directory
    expect(printed(logger.records, 'CWD')).toEqual([process.cwd()]);
  });

  it('TV-98 shell-operator mode runs the hook in its own directory', async () => {
    const { runner, logger } = await demoRunner({ cwd: 'hook-directory' });
    await runner.run(request('demo', 'hooks/probe.sh'));
    expect(printed(logger.records, 'CWD')).toEqual([join(modulesDir, 'demo', 'hooks')]);
  });

  it('passes only the allow-listed environment by default', async () => {
    const { runner, logger } = await demoRunner({
      env: {
        PATH: process.env.PATH,
        HOME: '/h',
        LC_ALL: 'C',
        HTTPS_PROXY: 'http://p',
        SECRET_TOKEN: 's',
        OTHER: 'o',
      },
    });
    await runner.run(request('demo', 'hooks/probe.sh'));
    const seen = env(printed(logger.records, 'ENV'));
    expect(seen).toMatchObject({ HOME: '/h', LC_ALL: 'C', HTTPS_PROXY: 'http://p' });
    expect(seen.SECRET_TOKEN).toBeUndefined();
    expect(seen.OTHER).toBeUndefined();
  });

  it('hookEnv.passthrough adds names; hookEnv.inherit passes everything', async () => {
    const source = { PATH: process.env.PATH, SECRET_TOKEN: 's', OTHER: 'o' };
    const some = await demoRunner({ env: source, hookEnv: { passthrough: ['OTHER'] } });
    await some.runner.run(request('demo', 'hooks/probe.sh'));
    const a = env(printed(some.logger.records, 'ENV'));
    expect([a.OTHER, a.SECRET_TOKEN]).toEqual(['o', undefined]);
    const all = await demoRunner({ env: source, hookEnv: { inherit: true } });
    await all.runner.run(request('demo', 'hooks/probe.sh'));
    const b = env(printed(all.logger.records, 'ENV'));
    expect([b.OTHER, b.SECRET_TOKEN]).toEqual(['o', 's']);
  });

  it('keepTmpFiles keeps the run directory', async () => {
    const { runner, logger } = await demoRunner({ keepTmpFiles: true });
    await runner.run(request('demo', 'hooks/probe.sh'));
    const seen = env(printed(logger.records, 'ENV'));
    expect(existsSync(seen.BINDING_CONTEXT_PATH as string)).toBe(true);
  });
});

describe('ProcessHookRunner: outputs', () => {
  it('reads values, config values, object patches and metrics written in the usual formats', async () => {
    const { runner } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/patches.sh'));
    expect(result).toEqual({
      ok: true,
      valuesPatch: [
        { op: 'add', path: '/demo/a', value: 1 },
        { op: 'remove', path: '/demo/b' },
      ],
      configValuesPatch: [{ op: 'add', path: '/demo/c', value: 'x' }],
      objectPatches: [
        {
          operation: 'CreateOrUpdate',
          object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } },
        },
        { operation: 'Delete', apiVersion: '', kind: 'Secret', namespace: 'ns', name: 's' },
        {
          operation: 'JQPatch',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          namespace: 'ns',
          name: 'cm',
          jqFilter: '.data.x = "1"',
          subresource: '/status',
          ignoreMissingObject: true,
        },
      ],
      metrics: [
        { name: 'demo_runs', action: 'add', value: 1, labels: { a: 'b' }, group: 'hooks/patches.sh' },
        { name: 'demo_size', action: 'set', value: 3.5, group: 'g' },
      ],
    });
  });

  it('reads a YAML multi-document object-patch file with manifests given as strings', async () => {
    const { runner } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/yaml-patch.sh'));
    expect(result.ok && result.objectPatches).toEqual([
      {
        operation: 'Create',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'from-string' } },
      },
      {
        operation: 'MergePatch',
        apiVersion: '',
        kind: 'ConfigMap',
        name: 'from-string',
        mergePatch: { data: { k: 'v' } },
      },
    ]);
  });

  it('a malformed values patch fails the run, naming the file and the problem', async () => {
    const { runner } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/malformed-patch.sh'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(
      /^malformed VALUES_JSON_PATCH_PATH file written by hooks\/malformed-patch\.sh: bad json-patch data: value 1 is not valid JSON/,
    );
  });

  it('one invalid object-patch operation rejects the whole file', async () => {
    const { runner } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/bad-object-patch.sh'));
    expect(!result.ok && result.error).toBe(
      'malformed KUBERNETES_PATCH_PATH file written by hooks/bad-object-patch.sh: operation 2: MergePatch needs a non-empty "mergePatch" object',
    );
  });
});

describe('ProcessHookRunner: failures', () => {
  it('TV-96 a non-zero exit fails with the status and the whole stderr; outputs written before are ignored', async () => {
    const { runner } = await demoRunner();
    expect(await runner.run(request('demo', 'hooks/fail-after-output.sh'))).toEqual({
      ok: false,
      error: 'exit status 2: fail',
    });
  });

  it('TV-96 exit 3 with empty stderr fails with "exit status 3"', async () => {
    const { runner } = await demoRunner();
    expect(await runner.run(request('demo', 'hooks/exit3.sh'))).toEqual({
      ok: false,
      error: 'exit status 3',
    });
  });

  it('TV-96 exit 0 with stderr output succeeds; stderr is only logged', async () => {
    const { runner, logger } = await demoRunner();
    expect((await runner.run(request('demo', 'hooks/stderr-ok.sh'))).ok).toBe(true);
    expect(logger.records).toContainEqual({
      level: 'info',
      msg: 'just a warning',
      fields: { hook: 'hooks/stderr-ok.sh', module: 'demo', binding: 'beforeHelm', output: 'stderr' },
    });
  });

  it('a hook killed by a signal fails naming the signal', async () => {
    const { runner } = await demoRunner();
    expect(await runner.run(request('demo', 'hooks/crash.sh'))).toEqual({
      ok: false,
      error: 'signal: SIGSEGV',
    });
  });

  it('a hook writing megabytes to stdout and stderr is logged in bounded records and its error is capped', async () => {
    const { runner, logger } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/flood.sh'));
    expect(result.ok).toBe(false);
    const error = result.ok ? '' : result.error;
    expect(error.startsWith('exit status 1: …(')).toBe(true);
    expect(error.endsWith('e the end')).toBe(true);
    expect(error.length).toBeLessThan(70 * 1024);
    const stdout = logger.records.filter((r) => r.fields.output === 'stdout');
    expect(stdout.every((r) => (r.msg?.length ?? 0) <= 10_000 + ':truncated'.length)).toBe(true);
    expect(stdout.some((r) => r.msg?.endsWith(':truncated'))).toBe(true);
    expect(stdout.some((r) => r.msg === 'a line of hook output')).toBe(true);
  });

  it('a hanging hook is killed with its process group after the timeout', async () => {
    const { runner, logger } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/hang.sh', { timeoutMs: 300 }));
    expect(result).toEqual({ ok: false, error: 'timeout after 300 ms' });
    const pids = (printed(logger.records, 'PIDS')[0] ?? '').split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it('a background process that keeps the pipes open does not hold up a finished hook', async () => {
    const { runner, logger } = await demoRunner();
    const result = await runner.run(request('demo', 'hooks/daemon.sh'));
    const pids = (printed(logger.records, 'PIDS')[0] ?? '').split(' ').map(Number);
    for (const pid of pids.filter((p) => p > 1)) process.kill(pid, 'SIGKILL');
    expect(result.ok && result.valuesPatch).toEqual([{ op: 'add', path: '/demo/daemon', value: true }]);
  });

  it('the runner-wide timeout applies when the request has none', async () => {
    const { runner } = await demoRunner({ timeoutMs: 200 });
    expect(await runner.run(request('demo', 'hooks/hang.sh'))).toEqual({
      ok: false,
      error: 'timeout after 200 ms',
    });
  });

  it('an abort signal kills the hook', async () => {
    const controller = new AbortController();
    // Abort once the hook runs: when it prints its pids (an event, not a time).
    const logger = recordingLogger([], {}, (r) => {
      if (r.fields.output === 'stdout' && r.msg?.startsWith('PIDS ')) controller.abort();
    });
    const { runner } = await demoRunner({ logger });
    const result = await runner.run(request('demo', 'hooks/hang.sh', { signal: controller.signal }));
    expect(result).toEqual({ ok: false, error: 'aborted' });
    const pids = (printed(logger.records, 'PIDS')[0] ?? '').split(' ').map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids.filter((p) => p > 1))
      try {
        process.kill(pid, 'SIGKILL'); // already gone, normally: the abort ended the group
      } catch {}
  });

  it('a run directory that cannot be created fails the run without throwing', async () => {
    const { runner } = await demoRunner();
    const blocked = fixtureRunner({ tmpDir: join(modulesDir, 'demo', 'hooks', 'probe.sh', 'below-a-file') });
    await blocked.runner.moduleHooks('demo');
    const result = await blocked.runner.run(request('demo', 'hooks/probe.sh'));
    expect(!result.ok && result.error).toMatch(/^cannot prepare the files of hooks\/probe\.sh: ENOTDIR/);
    expect((await runner.run(request('demo', 'hooks/probe.sh'))).ok).toBe(true);
  });

  it('an unregistered hook fails without running anything', async () => {
    const { runner } = await demoRunner();
    expect(await runner.run(request('demo', 'hooks/nope.sh'))).toEqual({
      ok: false,
      error: 'hook hooks/nope.sh of module demo is not registered',
    });
  });
});

describe('ProcessHookRunner: logs', () => {
  it('TV-97 stdout lines become records; JSON lines keep their level and message, other keys as hook_*', async () => {
    const { runner, logger } = await demoRunner();
    await runner.run(request('demo', 'hooks/log.sh'));
    const base = { hook: 'hooks/log.sh', module: 'demo', binding: 'beforeHelm', output: 'stdout' };
    expect(logger.records.filter((r) => r.fields.output === 'stdout')).toEqual([
      { level: 'info', msg: 'plain text', fields: base },
      { level: 'error', msg: 'boom', fields: { ...base, hook_pod: 'a' } },
      { level: 'warn', msg: 'split over lines', fields: base },
    ]);
  });
});

describe('ProcessHookRunner: Python hooks', () => {
  it('runs a module .py hook with the module venv interpreter and PYTHONHOME', async () => {
    const { runner } = fixtureRunner({ tmpDir: tmpRoot });
    expect((await runner.moduleHooks('python')).map((h) => h.name)).toEqual(['hooks/hook.py']);
    const result = await runner.run(request('python', 'hooks/hook.py'));
    expect(result.ok && result.valuesPatch).toEqual([
      { op: 'add', path: '/python/home', value: join(modulesDir, 'python', 'hooks', 'venv') },
    ]);
  });
});
