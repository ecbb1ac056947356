import { join } from 'node:path';
import { batchConfigOutput, decodesAsBatchConfig, loadBatchHooks, probeBatchBinary } from './batch-hook.js';
import { globalHookName, isDirectory, moduleHookName, scanHookFiles } from './hook-discovery.js';
import type { HookCommandContext, LoadedHook } from './loaded-hook.js';
import { loadShellHook } from './shell-hook.js';

/**
 * Discovers and loads the hooks of one directory, in addon-operator's registration order: shell
 * hooks, then batch hooks, each in path order (addon-operator pkg/module_manager/models/hooks/kind/). An extension-less executable is a batch
 * binary when `hook list` prints `Found N items`; when it does not but `hook config` prints a batch
 * config it is neither (addon-operator's quirk, with a warning); otherwise it is a shell hook.
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
      // addon-operator's searchModuleShellHooks / searchGlobalShellHooks
      // (pkg/module_manager/models/modules/basic.go, global.go) skip an extension-less file only
      // when GetBatchHookConfig succeeds: `hook config` exits 0 and its output decodes as a batch
      // config. A script that exits 0 for any argument and prints anything else is a shell hook.
      const output = await batchConfigOutput(file.path, ctx);
      if (output !== undefined && decodesAsBatchConfig(output)) {
        ctx.logger?.warn(
          { module, hook: name },
          'prints a batch config for "hook config" but "hook list" does not print "Found N items": not registered (as in addon-operator)',
        );
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
