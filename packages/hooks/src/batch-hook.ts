import { HookConfigError, mapBatchHookConfig } from '@converge/protocol';
import { hookDefinitionFromConfig } from '@converge/runtime';
import { processErrorText, runProcess } from './hook-process.js';
import { firstJsonValue } from './json-stream.js';
import type { HookCommandContext, LoadedHook } from './loaded-hook.js';

/**
 * module-sdk batch hooks (module-sdk pkg/app/): one binary, many hooks. `hook list` probes it, `hook config`
 * prints every hook's config, `hook run <index>` runs one with `MODULE_NAME`,
 * `APPLICATION_NAME` and `APPLICATION_NAMESPACE` added to the environment.
 */

export interface BatchBinary {
  /** Absolute path. */
  file: string;
  /** Normalized path used in hook names, e.g. `hooks/batchhooks`. */
  binaryName: string;
  kind: 'global' | 'module';
  module?: string;
}

const FOUND_ITEMS = /Found (\d+) items/;

/** The number of hooks `hook list` reports when it matches module-sdk's `Found N items` (1..9999). */
export function batchItemCount(listOutput: string): number {
  const match = FOUND_ITEMS.exec(listOutput);
  const n = match ? Number(match[1]) : 0;
  return n >= 1 && n <= 9999 ? n : 0;
}

async function runCommand(file: string, args: string[], ctx: HookCommandContext) {
  return runProcess({
    argv: [file, ...args],
    cwd: ctx.cwd,
    env: ctx.env,
    timeoutMs: ctx.timeoutMs,
    captureStdout: true,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.track ? { track: ctx.track } : {}),
  });
}

/** Runs `<file> hook list`: true iff the file is a batch binary with at least one hook. */
export async function probeBatchBinary(file: string, ctx: HookCommandContext): Promise<boolean> {
  const run = await runCommand(file, ['hook', 'list'], ctx);
  return run.exitCode === 0 && batchItemCount(run.stdout) > 0;
}

/** Runs `<file> hook config`: its stdout when it exits 0, undefined otherwise. */
export async function batchConfigOutput(file: string, ctx: HookCommandContext): Promise<string | undefined> {
  const run = await runCommand(file, ['hook', 'config'], ctx);
  return run.exitCode === 0 && !run.stdoutOverflow ? run.stdout : undefined;
}

/**
 * Whether `hook config` output decodes as a batch config the way addon-operator's
 * `GetBatchHookConfig` decodes it (pkg/module_manager/models/hooks/kind/batch_hook.go): the first
 * JSON value is either an array of hook configs (the legacy format) or an object whose `version` is
 * `v1` (`remapSDKConfigToConfig` refuses any other version). Empty output, text, YAML, or a shell
 * hook's own `{"configVersion": …}` do not decode.
 */
export function decodesAsBatchConfig(output: string): boolean {
  let first: unknown;
  try {
    first = firstJsonValue(output);
  } catch {
    return false;
  }
  if (Array.isArray(first))
    return first.every((h) => h === null || (typeof h === 'object' && !Array.isArray(h)));
  if (first === null || typeof first !== 'object') return false;
  return (first as { version?: unknown }).version === 'v1';
}

/**
 * Loads every hook of a batch binary (the readiness hook is not part of the converge). `output`
 * is the `hook config` stdout when the caller already has it. Throws `HookConfigError` naming the
 * binary and the field (e.g. `hooks[0].kubernetes[0].executeHookOnEvent`).
 */
export async function loadBatchHooks(
  binary: BatchBinary,
  ctx: HookCommandContext,
  output?: string,
): Promise<LoadedHook[]> {
  let text = output;
  if (text === undefined) {
    const run = await runCommand(binary.file, ['hook', 'config'], ctx);
    if (run.spawnError || run.exitCode !== 0 || run.stdoutOverflow)
      throw new HookConfigError(
        `cannot run "hook config" of ${binary.kind} batch hook ${binary.binaryName} (file ${binary.file}): ${processErrorText(run, ctx.timeoutMs)}`,
        binary.file,
        binary.binaryName,
        '',
      );
    text = run.stdout;
  }
  let set: ReturnType<typeof mapBatchHookConfig>;
  try {
    set = mapBatchHookConfig(text, {
      file: binary.binaryName,
      kind: binary.kind,
      ...(ctx.checkJqFilter ? { checkJqFilter: ctx.checkJqFilter } : {}),
    });
  } catch (e) {
    if (!(e instanceof HookConfigError)) throw e;
    throw new HookConfigError(
      e.message.replace(`(file ${binary.binaryName})`, `(file ${binary.file})`),
      binary.file,
      e.hook,
      e.field,
      { cause: e },
    );
  }
  const env = {
    MODULE_NAME: binary.kind === 'module' ? (binary.module ?? '') : 'global',
    APPLICATION_NAME: '',
    APPLICATION_NAMESPACE: '',
  };
  return set.hooks.map((entry) => ({
    kind: 'batch' as const,
    name: entry.name,
    file: binary.file,
    ...(binary.module ? { module: binary.module } : {}),
    argv: [binary.file, 'hook', 'run', entry.key],
    env,
    config: entry.config,
    definition: hookDefinitionFromConfig(entry.name, entry.config),
  }));
}
