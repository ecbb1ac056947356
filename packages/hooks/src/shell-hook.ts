import { join } from 'node:path';
import { parseGoYamlDocuments } from '@converge/kube-model';
import { HookConfigError, parseHookConfig } from '@converge/protocol';
import { hookDefinitionFromConfig } from '@converge/runtime';
import { isExecutable } from './hook-discovery.js';
import { processErrorText, runProcess } from './hook-process.js';
import type { HookCommandContext, LoadedHook } from './loaded-hook.js';

/**
 * Shell hooks (shell-operator pkg/hook/hook.go (--config), shell-operator pkg/hook/hook_io.go): any executable that prints its config for `--config` and is run
 * with no arguments. A module's `.py` hook runs with `<module>/hooks/venv/bin/python3` and
 * `PYTHONHOME` when that interpreter exists, else directly (with a warning).
 */

export interface ShellHookFile {
  file: string;
  name: string;
  kind: 'global' | 'module';
  module?: string;
  /** The module's `hooks/` directory, for the venv rule. */
  hooksDir?: string;
}

/** argv prefix and extra env of a shell hook run. */
export async function shellHookCommand(
  hook: ShellHookFile,
  ctx: Pick<HookCommandContext, 'logger'>,
): Promise<{ argv: string[]; env: Record<string, string> }> {
  if (hook.kind === 'module' && hook.hooksDir && hook.file.endsWith('.py')) {
    const venv = join(hook.hooksDir, 'venv');
    const python = join(venv, 'bin', 'python3');
    if (await isExecutable(python)) return { argv: [python, hook.file], env: { PYTHONHOME: venv } };
    ctx.logger?.warn(
      { module: hook.module, hook: hook.name },
      `no executable ${python}: running the Python hook directly`,
    );
  }
  return { argv: [hook.file], env: {} };
}

/**
 * Runs `<hook> --config`, parses stdout as one YAML/JSON document and validates it. Throws
 * `HookConfigError` naming the file, the hook and the field.
 */
export async function loadShellHook(hook: ShellHookFile, ctx: HookCommandContext): Promise<LoadedHook> {
  const command = await shellHookCommand(hook, ctx);
  const run = await runProcess({
    argv: [...command.argv, '--config'],
    cwd: ctx.cwd,
    env: { ...ctx.env, ...command.env },
    timeoutMs: ctx.timeoutMs,
    captureStdout: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.track ? { track: ctx.track } : {}),
  });
  const where = `${hook.kind} hook ${hook.name} (file ${hook.file})`;
  if (run.stdoutOverflow)
    throw new HookConfigError(`--config of ${where} printed too much output`, hook.file, hook.name, '');
  if (run.spawnError || run.exitCode !== 0)
    throw new HookConfigError(
      `cannot run --config of ${where}: ${processErrorText(run, ctx.timeoutMs)}`,
      hook.file,
      hook.name,
      '',
    );
  const docs = parseGoYamlDocuments(run.stdout);
  if (!docs.ok)
    throw new HookConfigError(
      `invalid config of ${where}: --config output is not YAML or JSON: ${docs.error}`,
      hook.file,
      hook.name,
      '',
    );
  const config = parseHookConfig(docs.values[0] ?? null, {
    file: hook.file,
    hook: hook.name,
    kind: hook.kind,
    ...(ctx.checkJqFilter ? { checkJqFilter: ctx.checkJqFilter } : {}),
  });
  return {
    kind: 'shell',
    name: hook.name,
    file: hook.file,
    ...(hook.module ? { module: hook.module } : {}),
    argv: command.argv,
    env: command.env,
    config,
    definition: hookDefinitionFromConfig(hook.name, config),
  };
}
