import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

/**
 * Finds hook executables the way addon-operator walks a hooks directory (shell-operator pkg/hook/hook_manager.go, addon-operator pkg/module_manager/models/hooks/kind/):
 * recursive; hidden entries, `lib` directories (and `venv` for modules) skipped at any depth;
 * `.yaml`, `.json`, `.md`, `.txt` files skipped; non-executable files skipped with a warning;
 * executables under the top-level `lib` reported with a warning; paths sorted in byte order.
 */

export interface HookFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the walked root, `/`-separated. */
  relative: string;
  /** Extension-less executables are probed as module-sdk batch binaries first. */
  hasExtension: boolean;
}

export interface HookFileScan {
  files: HookFile[];
  warnings: string[];
}

const skippedExtensions = new Set(['.yaml', '.json', '.md', '.txt']);

async function isExecutableFile(path: string): Promise<boolean> {
  const info = await stat(path);
  return info.isFile() && (info.mode & 0o111) !== 0;
}

export async function scanHookFiles(
  root: string,
  options: { skipVenv?: boolean } = {},
): Promise<HookFileScan> {
  const files: HookFile[] = [];
  const warnings: string[] = [];
  const skipDir = (name: string) =>
    name.startsWith('.') || name === 'lib' || (options.skipVenv && name === 'venv');

  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!skipDir(entry.name)) await walk(path);
        else if (dir === root && entry.name === 'lib') await warnLib(path);
        continue;
      }
      if (entry.name.startsWith('.')) continue;
      if (skippedExtensions.has(extname(entry.name))) continue;
      let executable: boolean;
      if (entry.isSymbolicLink()) {
        // Go's Walk lists a symlink with mode 0777; a link to a directory is not followed.
        executable = await stat(path).then(
          (s) => s.isFile(),
          () => false,
        );
        if (!executable) continue;
      } else {
        if (!entry.isFile()) continue;
        executable = await isExecutableFile(path);
      }
      const rel = relative(root, path).split(sep).join('/');
      if (!executable) {
        warnings.push(`${rel}: not executable, skipped (chmod +x is required)`);
        continue;
      }
      files.push({ path, relative: rel, hasExtension: extname(entry.name) !== '' });
    }
  };

  const warnLib = async (libDir: string): Promise<void> => {
    const inner = await scanHookFiles(libDir, options);
    for (const f of inner.files)
      warnings.push(`lib/${f.relative}: executable inside lib/, not registered as a hook`);
  };

  await walk(root);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings };
}

/** Whether `path` is a directory (missing means no). */
export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Whether `path` is an executable regular file. */
export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Module hook name: the path from the module's `hooks/` directory, e.g. `hooks/https/copy_cert.py`. */
export function moduleHookName(relativeToHooksDir: string): string {
  return `hooks/${relativeToHooksDir}`;
}

/**
 * Global hook name: the path relative to the global hooks directory; when that directory holds a
 * `hooks/` sub-directory (which then becomes the walked root) the name starts at `hooks/`.
 */
export function globalHookName(relativeToRoot: string, rootIsHooksSubdir: boolean): string {
  return rootIsHooksSubdir ? `hooks/${relativeToRoot}` : relativeToRoot;
}
