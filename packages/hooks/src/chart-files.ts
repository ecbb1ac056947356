import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '@converge/protocol';
import {
  describe,
  isYamlMap,
  ModulesDirError,
  parseYamlFile,
  readOptionalFile,
} from './modules-dir-files.js';

/**
 * The chart side of a module directory: whether it is a Helm chart (addon-operator pkg/module_manager/models/modules/helm.go (release name): `Chart.yaml` or a
 * `templates/` directory) and the CRDs it ships under `crds/` (addon-operator pkg/task/tasks/module-ensure-crds/task.go).
 */

/** Default `ADDON_OPERATOR_CRD_FILTER_PREFIXES`: CRD files whose base name starts with these are skipped. */
export const DEFAULT_CRD_FILTER_PREFIXES: readonly string[] = ['doc-', '_'];

async function kind(path: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

/** True when `moduleDir` holds a `Chart.yaml` file or a `templates/` directory. */
export async function hasHelmChart(moduleDir: string): Promise<boolean> {
  const [chartYaml, templates] = await Promise.all([
    kind(join(moduleDir, 'Chart.yaml')),
    kind(join(moduleDir, 'templates')),
  ]);
  return chartYaml === 'file' || templates === 'dir';
}

/**
 * Every `*.yaml` file under `<moduleDir>/crds/` (recursively, symlinks followed), sorted, except
 * those whose base name starts with one of `filterPrefixes`. Empty when there is no `crds/`.
 */
export async function listCrdFiles(
  moduleDir: string,
  filterPrefixes: readonly string[] = DEFAULT_CRD_FILTER_PREFIXES,
): Promise<string[]> {
  const root = join(moduleDir, 'crds');
  if ((await kind(root)) !== 'dir') return [];
  const files: string[] = [];
  const visited = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    const s = await stat(dir);
    const key = `${s.dev}:${s.ino}`;
    if (visited.has(key)) return; // a symlink loop
    visited.add(key);
    const entries = (await readdir(dir)).sort();
    for (const name of entries) {
      const path = join(dir, name);
      const k = await kind(path);
      if (k === 'dir') await walk(path);
      else if (
        k === 'file' &&
        name.endsWith('.yaml') &&
        !filterPrefixes.some((p) => p !== '' && name.startsWith(p))
      ) {
        files.push(path);
      }
    }
  };
  await walk(root);
  return files;
}

/**
 * The objects of a module's CRD files, in file order then document order; empty documents are
 * skipped. Throws ModulesDirError naming the file for bad YAML or a document that is not an object
 * with `apiVersion`, `kind` and `metadata.name`.
 */
export async function loadCrds(
  moduleDir: string,
  filterPrefixes: readonly string[] = DEFAULT_CRD_FILTER_PREFIXES,
): Promise<{ files: string[]; objects: KubeObject[] }> {
  const files = await listCrdFiles(moduleDir, filterPrefixes);
  const objects: KubeObject[] = [];
  for (const file of files) {
    const text = (await readOptionalFile(file)) ?? '';
    parseYamlFile(file, text).forEach((doc, index) => {
      if (doc === null || doc === undefined) return;
      const meta = isYamlMap(doc) ? doc.metadata : undefined;
      if (
        !isYamlMap(doc) ||
        typeof doc.apiVersion !== 'string' ||
        typeof doc.kind !== 'string' ||
        !isYamlMap(meta) ||
        typeof meta.name !== 'string'
      ) {
        throw new ModulesDirError(
          `${file}: document ${index + 1} is not a Kubernetes object with apiVersion, kind and ` +
            `metadata.name (found ${describe(doc)})`,
          file,
        );
      }
      objects.push(doc as KubeObject);
    });
  }
  return { files, objects };
}
