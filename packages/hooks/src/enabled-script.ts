import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AbortSignalLike, EnabledScriptInput, Logger } from '@converge/core';
import { ConvergeError } from '@converge/protocol';
import { makePrivateTempDir, type TrackProcessGroup } from '@converge/runtime';
import { type HookEnvOptions, hookBaseEnv } from './hook-env.js';
import { runProcess } from './hook-process.js';

/**
 * A module's `enabled` script (addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript), addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript)): run as `[path]` with the allow-listed engine
 * environment plus VALUES_PATH, CONFIG_VALUES_PATH, MODULE_ENABLED_RESULT and MODULE_ENABLED_REASON;
 * the result file must say `true` or `false`, and the reason file explains a `false`.
 */

/** The script failed to run, exited non-zero, or wrote something other than `true`/`false`. */
export class EnabledScriptError extends ConvergeError {
  readonly code = 'ENABLED_SCRIPT';
  constructor(
    message: string,
    readonly module: string,
    readonly script: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface EnabledScriptOptions {
  /** Parent of the private per-run directory (default: the OS temp dir). */
  tmpDir?: string;
  /** Which engine variables the script sees (createEngine option `hookEnv`). */
  env?: HookEnvOptions;
  /** The engine's environment the allow-list is taken from (default `process.env`). */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Kill the script after this many ms (0 or absent: no timeout, as in addon-operator). */
  timeoutMs?: number;
  /** Receives the script's stdout and stderr at debug level. */
  logger?: Logger;
  /** Aborting ends the script's process group (SIGTERM, SIGKILL 5 s later); the run then fails "aborted". */
  signal?: AbortSignalLike;
  /** Told about the script's process group when it starts and ends (ProcessGroupRegistry). */
  track?: TrackProcessGroup;
}

export interface EnabledScriptResult {
  enabled: boolean;
  /** The trimmed MODULE_ENABLED_REASON content when the result is `false` and it is not empty. */
  reason?: string;
}

const MAX_OUTPUT = 16 * 1024 * 1024;

interface ProcessOutcome {
  error?: string;
  stdout: string;
  stderr: string;
}

async function runScript(
  path: string,
  env: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignalLike | undefined,
  track: TrackProcessGroup | undefined,
): Promise<ProcessOutcome> {
  const run = await runProcess({
    argv: [path],
    cwd: process.cwd(),
    env,
    timeoutMs,
    captureStdout: true,
    maxStdout: MAX_OUTPUT,
    ...(signal ? { signal } : {}),
    ...(track ? { track } : {}),
  });
  const { stdout, stderr } = run;
  const withStderr = (text: string) => (stderr.length > 0 ? `${text}: ${stderr}` : text);
  let error: string | undefined;
  if (run.spawnError) error = `cannot run: ${run.spawnError.message}`;
  else if (run.timedOut) error = `timeout after ${timeoutMs} ms`;
  else if (run.aborted) error = withStderr('aborted');
  else if (run.exitSignal) error = withStderr(`killed by signal ${run.exitSignal}`);
  else if (run.exitCode !== 0) error = withStderr(`exit status ${run.exitCode}`);
  return error === undefined ? { stdout, stderr } : { error, stdout, stderr };
}

/**
 * Runs `script.path` for `script.module` and reads its verdict. The four files live in a private
 * 0700 directory under `tmpDir` that is removed afterwards. Rejects with EnabledScriptError naming
 * the script: for a failed start or non-zero exit (with stderr), or for a result other than
 * `true`/`false` after trimming ("bad enabled result", with the content).
 */
export async function runEnabledScript(
  script: { module: string; path: string },
  input: EnabledScriptInput,
  options: EnabledScriptOptions = {},
): Promise<EnabledScriptResult> {
  const { module, path } = script;
  const fail = (message: string, cause?: unknown) =>
    new EnabledScriptError(`enabled script ${path} of module ${module}: ${message}`, module, path, { cause });
  let dir: string;
  try {
    dir = makePrivateTempDir('enabled', options.tmpDir);
  } catch (e) {
    throw fail(`cannot create its temporary directory: ${(e as Error).message}`, e);
  }
  try {
    const base = module.replace(/[/\\]/g, '_');
    const files = {
      VALUES_PATH: join(dir, `${base}.values.json`),
      CONFIG_VALUES_PATH: join(dir, `${base}.config-values.json`),
      MODULE_ENABLED_RESULT: join(dir, `${base}.module-enabled-result`),
      MODULE_ENABLED_REASON: join(dir, `${base}.module-enabled-reason`),
    };
    await Promise.all([
      writeFile(files.VALUES_PATH, JSON.stringify(input.values), { mode: 0o600 }),
      writeFile(files.CONFIG_VALUES_PATH, JSON.stringify(input.configValues), { mode: 0o600 }),
      writeFile(files.MODULE_ENABLED_RESULT, '', { mode: 0o600 }),
      writeFile(files.MODULE_ENABLED_REASON, '', { mode: 0o600 }),
    ]);
    const env = { ...hookBaseEnv(options.baseEnv ?? process.env, options.env), ...files };
    const outcome = await runScript(path, env, options.timeoutMs ?? 0, options.signal, options.track);
    const log = options.logger?.child({ module, hook: 'enabled', binding: 'enabled' });
    if (outcome.stdout) log?.debug({ output: 'stdout' }, outcome.stdout.trimEnd());
    if (outcome.stderr) log?.debug({ output: 'stderr' }, outcome.stderr.trimEnd());
    if (outcome.error !== undefined) throw fail(outcome.error);

    let raw: string;
    try {
      raw = await readFile(files.MODULE_ENABLED_RESULT, 'utf8');
    } catch (e) {
      throw fail(`bad enabled result: cannot read MODULE_ENABLED_RESULT: ${(e as Error).message}`, e);
    }
    const verdict = raw.trim();
    if (verdict === 'true') return { enabled: true };
    if (verdict !== 'false') {
      throw fail(`bad enabled result ${JSON.stringify(raw)}: expected 'true' or 'false'`);
    }
    let reason = '';
    try {
      reason = (await readFile(files.MODULE_ENABLED_REASON, 'utf8')).trim();
    } catch {
      // A script that removed its reason file gave no reason.
    }
    return reason ? { enabled: false, reason } : { enabled: false };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
