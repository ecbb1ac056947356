import { join } from 'node:path';
import { batchConfigOutput, loadBatchHooks, probeBatchBinary } from './batch-hook.js';
import { globalHookName, isDirectory, moduleHookName, scanHookFiles } from './hook-discovery.js';
import type { HookCommandContext, LoadedHook } from './loaded-hook.js';
import { loadShellHook } from './shell-hook.js';

/**
 * Discovers and loads the hooks of one directory, in addon-operator's registration order: shell
 * hooks, then batch hooks, each in path order (AO §8.1). An extension-less executable is a batch
 * binary when `hook list` reports hooks; when it does not but `hook config` succeeds it is neither
 * (HP §4.2 quirk, with a warning); otherwise it is a shell hook.
 */

export type HookScope =
  | { kind: 'global'; dir: string }
  | { kind: 'module'; module: string; hooksDir: string };

export async function loadHooks(scope: HookScope, ctx: HookCommandContext): Promise<LoadedHook[]> {
  let root: string;
  let nameOf: (relative: string) => string;
  if (scope.kind === 'global') {
    const sub = join(scope.dir, 'hooks');
    const hasSub = await isDirectory(sub);
    root = hasSub ? sub : scope.dir;
    nameOf = (rel) => globalHookName(rel, hasSub);
  } else {
    root = scope.hooksDir;
    nameOf = moduleHookName;
  }
  if (!(await isDirectory(root))) return [];
  const module = scope.kind === 'module' ? scope.module : undefined;
  const scan = await scanHookFiles(root, { skipVenv: scope.kind === 'module' });
  for (const warning of scan.warnings) ctx.logger?.warn({ module, dir: root }, warning);

  const shell: LoadedHook[] = [];
  const batch: LoadedHook[] = [];
  for (const file of scan.files) {
    const name = nameOf(file.relative);
    if (!file.hasExtension) {
      if (await probeBatchBinary(file.path, ctx)) {
        const binary = { file: file.path, binaryName: name, kind: scope.kind, ...(module ? { module } : {}) };
        batch.push(...(await loadBatchHooks(binary, ctx)));
        continue;
      }
      if ((await batchConfigOutput(file.path, ctx)) !== undefined) {
        ctx.logger?.warn({ module, hook: name }, 'answers "hook config" but lists no hooks: not registered');
        continue;
      }
    }
    shell.push(
      await loadShellHook(
        {
          file: file.path,
          name,
          kind: scope.kind,
          ...(module ? { module, hooksDir: root } : {}),
        },
        ctx,
      ),
    );
  }
  return [...shell, ...batch];
}
