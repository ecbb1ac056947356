import { dirname } from 'node:path';
import type {
  ExecutorCallOptions,
  HookDefinition,
  HookRunner,
  HookRunRequest,
  HookRunResult,
  Logger,
} from '@converge/core';
import type { TrackProcessGroup } from '@converge/runtime';
import { type HookEnvOptions, hookBaseEnv } from './hook-env.js';
import { type HookRunFiles, prepareHookFiles, readHookOutputs, removeHookFiles } from './hook-files.js';
import { loadHooks } from './hook-loader.js';
import { hookLogParser } from './hook-log.js';
import { processErrorText, runProcess } from './hook-process.js';
import type { HookCommandContext, LoadedHook } from './loaded-hook.js';

/**
 * `HookRunner` over real processes with addon-operator's file protocol: shell hooks and
 * module-sdk batch hooks discovered on disk (shell-operator docs/src/HOOKS.md, module-sdk pkg/app/). `globalHooks`/`moduleHooks` run
 * `--config` / `hook config` every time they are called (so a fix on disk is picked up) and reject
 * with `HookConfigError`; `run` resolves `{ok:false}` for a failed, timed-out, aborted or
 * malformed run.
 */

export interface ProcessHookRunnerOptions {
  /** `$GLOBAL_HOOKS_DIR`; its `hooks/` sub-directory is walked when present. */
  globalHooksDir?: string;
  /** A module's `hooks/` directory (`<modulesDir>/NNN-name/hooks`), undefined when it has none. */
  moduleHooksDir: (module: string) => string | undefined;
  /** Where private run directories are created (default: the OS temp dir). */
  tmpDir?: string;
  hookEnv?: HookEnvOptions;
  /** Kill a hook (and `--config`) after this many ms; 0 = never. A request's own timeout wins. */
  timeoutMs?: number;
  /** Compile check for `jqFilter` at config load: an error text, or undefined when it compiles. */
  checkJqFilter?: (filter: string) => string | undefined;
  /** A jq engine with a compile check (e.g. `JqProcessEngine`); used when `checkJqFilter` is not given. */
  jq?: { check(filter: string): string | undefined };
  /** Hook stdout/stderr lines and discovery warnings go here. */
  logger?: Logger;
  /** The engine's environment the allow-list reads (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Working directory of hook runs: `operator` (addon-operator: this process's cwd, default) or
   * `hook-directory` (shell-operator: the directory holding the hook).
   */
  cwd?: 'operator' | 'hook-directory';
  /** Keep each run's files (`DEBUG_KEEP_TMP_FILES`); their directory is logged. */
  keepTmpFiles?: boolean;
  /** Told about every hook process group, `--config` included (ProcessGroupRegistry.track). */
  trackProcessGroup?: TrackProcessGroup;
}

const key = (module: string | undefined, name: string) => `${module ?? ''}\u0000${name}`;

export class ProcessHookRunner implements HookRunner {
  private readonly loaded = new Map<string, LoadedHook>();

  constructor(private readonly options: ProcessHookRunnerOptions) {}

  async globalHooks(call: ExecutorCallOptions = {}): Promise<HookDefinition[]> {
    if (!this.options.globalHooksDir) return [];
    const hooks = await loadHooks(
      { kind: 'global', dir: this.options.globalHooksDir },
      this.commandContext(call),
    );
    return this.register(undefined, hooks);
  }

  async moduleHooks(module: string, call: ExecutorCallOptions = {}): Promise<HookDefinition[]> {
    const hooksDir = this.options.moduleHooksDir(module);
    const hooks = hooksDir
      ? await loadHooks({ kind: 'module', module, hooksDir }, this.commandContext(call))
      : [];
    return this.register(module, hooks);
  }

  /** The loaded hook behind a definition, e.g. to see its file and argv. */
  loadedHook(module: string | undefined, name: string): LoadedHook | undefined {
    return this.loaded.get(key(module, name));
  }

  async run(request: HookRunRequest): Promise<HookRunResult> {
    const hook = this.loaded.get(key(request.hook.module, request.hook.name));
    if (!hook)
      return {
        ok: false,
        error: `hook ${request.hook.name}${request.hook.module ? ` of module ${request.hook.module}` : ''} is not registered`,
      };
    const timeoutMs = request.timeoutMs > 0 ? request.timeoutMs : (this.options.timeoutMs ?? 0);
    let files: HookRunFiles;
    try {
      files = await prepareHookFiles(request, this.options.tmpDir);
    } catch (e) {
      return { ok: false, error: `cannot prepare the files of ${hook.name}: ${(e as Error).message}` };
    }
    try {
      const labels = {
        hook: hook.name,
        ...(hook.module ? { module: hook.module } : {}),
        binding: request.binding,
      };
      const logger = this.options.logger;
      const stdout = logger ? hookLogParser(logger, labels, 'stdout') : undefined;
      const stderr = logger ? hookLogParser(logger, labels, 'stderr') : undefined;
      const run = await runProcess({
        argv: hook.argv,
        cwd: this.options.cwd === 'hook-directory' ? dirname(hook.file) : process.cwd(),
        env: { ...this.baseEnv(), ...hook.env, ...files.env },
        timeoutMs,
        ...(this.options.trackProcessGroup ? { track: this.options.trackProcessGroup } : {}),
        ...(request.signal ? { signal: request.signal } : {}),
        ...(stdout ? { onStdout: (c: string) => stdout.write(c) } : {}),
        ...(stderr ? { onStderr: (c: string) => stderr.write(c) } : {}),
      });
      stdout?.end();
      stderr?.end();
      if (run.spawnError || run.timedOut || run.aborted || run.exitCode !== 0)
        return { ok: false, error: processErrorText(run, timeoutMs) };
      return await readHookOutputs(files, hook.name);
    } finally {
      if (this.options.keepTmpFiles)
        this.options.logger?.info({ hook: hook.name, dir: files.dir }, 'kept hook files');
      else await removeHookFiles(files);
    }
  }

  private register(module: string | undefined, hooks: LoadedHook[]): HookDefinition[] {
    for (const k of [...this.loaded.keys()]) if (k.startsWith(key(module, ''))) this.loaded.delete(k);
    for (const hook of hooks) this.loaded.set(key(module, hook.name), hook);
    return hooks.map((h) => h.definition);
  }

  private get checkJqFilter(): ((filter: string) => string | undefined) | undefined {
    const jq = this.options.jq;
    return this.options.checkJqFilter ?? (jq ? (filter: string) => jq.check(filter) : undefined);
  }

  private baseEnv(): Record<string, string> {
    return hookBaseEnv(this.options.env ?? process.env, this.options.hookEnv);
  }

  private commandContext(call: ExecutorCallOptions = {}): HookCommandContext {
    return {
      ...(call.signal ? { signal: call.signal } : {}),
      env: this.baseEnv(),
      cwd: process.cwd(),
      timeoutMs: this.options.timeoutMs ?? 0,
      ...(this.options.logger ? { logger: this.options.logger } : {}),
      ...(this.checkJqFilter ? { checkJqFilter: this.checkJqFilter } : {}),
      ...(this.options.trackProcessGroup ? { track: this.options.trackProcessGroup } : {}),
    };
  }
}
