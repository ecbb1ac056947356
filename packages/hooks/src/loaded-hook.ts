import type { AbortSignalLike, HookDefinition, Logger } from '@converge/core';
import type { EffectiveHookConfig } from '@converge/protocol';
import type { TrackProcessGroup } from '@converge/runtime';

/** A discovered hook whose config was loaded: how to run it and what the engine registers. */
export interface LoadedHook {
  kind: 'shell' | 'batch';
  /** addon-operator's name (shell-operator pkg/hook/hook_manager.go, addon-operator pkg/module_manager/models/hooks/kind/batch_hook.go): `hooks/x.sh`, `hooks/bin:name:0`, `010-startup.sh`. */
  name: string;
  /** Absolute path of the executable. */
  file: string;
  module?: string;
  /** argv of a run (`[file]`, `[python3, file]`, `[file, "hook", "run", "0"]`). */
  argv: string[];
  /** Variables added to the run's environment (PYTHONHOME, MODULE_NAME, …). */
  env: Record<string, string>;
  config: EffectiveHookConfig;
  definition: HookDefinition;
}

/** How discovery runs `--config`, `hook list` and `hook config`. */
export interface HookCommandContext {
  /** The allow-listed base environment. */
  env: Record<string, string>;
  cwd: string;
  /** 0 = no timeout. */
  timeoutMs: number;
  /** Aborting ends a running `--config` / `hook config` (its process group: SIGTERM, then SIGKILL). */
  signal?: AbortSignalLike;
  logger?: Logger;
  checkJqFilter?: (filter: string) => string | undefined;
  /** Told about each command's process group (ProcessGroupRegistry.track). */
  track?: TrackProcessGroup;
}
