import { access, constants, lstat, readdir, realpath, stat } from 'node:fs/promises';
import { delimiter, join, resolve, sep } from 'node:path';
import {
  DEFAULT_UNNUMBERED_MODULE_ORDER,
  deepMerge,
  ENABLED_SUFFIX,
  type EnabledScriptInput,
  type ExecutorCallOptions,
  GLOBAL_VALUES_KEY,
  type GlobalDefinition,
  type Logger,
  type ModuleDefinition,
  ModuleNameError,
  type ModuleSource,
  moduleNameFromKey,
  parseModuleDirName,
  sortModules,
  type Values,
  valuesKey,
} from '@converge/core';
import type { KubeObject } from '@converge/protocol';
import type { TrackProcessGroup } from '@converge/runtime';
import { DEFAULT_CRD_FILTER_PREFIXES, hasHelmChart, loadCrds } from './chart-files.js';
import { type EnabledScriptResult, runEnabledScript } from './enabled-script.js';
import type { HookEnvOptions } from './hook-env.js';
import { describe, isYamlMap, ModulesDirError, readYamlMap, type YamlMap } from './modules-dir-files.js';
import {
  compileSchemaChecks,
  createSchemaCompiler,
  loadOpenApiSchemas,
  type OpenApiSchemas,
  type SchemaCompiler,
} from './openapi-schemas.js';

/**
 * The addon-operator modules directory (addon-operator pkg/module_manager/loader/fs/fs.go, addon-operator pkg/module_manager/models/modules/values_storage.go): `NNN-name/` module directories under one
 * or more roots, the roots' `values.yaml` (`global` section and `<key>Enabled` flags), each
 * module's `values.yaml`, `openapi/` schemas, `crds/`, chart and `enabled` script.
 */

export interface LoadModulesDirOptions {
  /** Global hooks directory; its `openapi/` holds the global schemas. */
  globalHooksDir?: string;
  /** Order of a directory without a numeric prefix (default 1, `ADDON_OPERATOR_UNNUMBERED_MODULES_ORDER`). */
  unnumberedOrder?: number;
  /** Refuse module symlinks that resolve outside their modules root. */
  strictModulesRoot?: boolean;
  /** Parent directory of the enabled scripts' private temp directories. */
  tmpDir?: string;
  /** Environment of enabled scripts (createEngine option `hookEnv`). */
  env?: HookEnvOptions;
  /** The environment the allow-list reads (default `process.env`). */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Kill an enabled script after this many ms (default 0: no timeout). */
  enabledScriptTimeoutMs?: number;
  /** Told about every enabled script's process group (ProcessGroupRegistry.track). */
  trackProcessGroup?: TrackProcessGroup;
  /** CRD files whose base name starts with one of these are skipped (default `doc-`, `_`). */
  crdFilterPrefixes?: readonly string[];
  /**
   * Collect per-module load errors (bad schema, bad values file, …) in `problems` and skip that
   * module instead of rejecting (`converge validate` reports every problem at once).
   */
  collectErrors?: boolean;
  /** Receives enabled scripts' output at debug level. */
  logger?: Logger;
}

/** A module loaded from disk: the engine's definition plus where its files are. */
export interface DirModuleDefinition extends ModuleDefinition {
  /** The module directory as found under its root (a symlink is kept as the path through it). */
  dir: string;
  /** The modules root the module was found in. */
  root: string;
  staticValues: Values;
  hasEnabledScript: boolean;
  /** Path of the executable `enabled` script, when there is one. */
  enabledScript?: string;
  /** Parsed objects of `crds/**\/*.yaml` (filtered), in file order. */
  crds: KubeObject[];
  crdFiles: string[];
  schemas: OpenApiSchemas;
}

export interface DirGlobalDefinition extends GlobalDefinition {
  staticValues: Values;
  schemas: OpenApiSchemas;
}

/** A `ModuleSource` over a modules directory, with the paths other executors need. */
export class ModulesDirSource implements ModuleSource {
  private readonly byName: Map<string, DirModuleDefinition>;

  constructor(
    private readonly globalDef: DirGlobalDefinition,
    readonly definitions: readonly DirModuleDefinition[],
    /** Non-fatal findings (ignored entries, dangling symlinks, skipped duplicates, …). */
    readonly problems: readonly string[],
    private readonly scriptOptions: Pick<
      LoadModulesDirOptions,
      'tmpDir' | 'env' | 'baseEnv' | 'enabledScriptTimeoutMs' | 'logger' | 'trackProcessGroup'
    > = {},
  ) {
    this.byName = new Map(definitions.map((d) => [d.name, d]));
  }

  async global(): Promise<DirGlobalDefinition> {
    return this.globalDef;
  }

  async modules(): Promise<DirModuleDefinition[]> {
    return [...this.definitions];
  }

  definition(module: string): DirModuleDefinition | undefined {
    return this.byName.get(module);
  }

  moduleDir(module: string): string | undefined {
    return this.byName.get(module)?.dir;
  }

  /** The module's chart directory (its module directory), or undefined when it has no chart. */
  chartDir(module: string): string | undefined {
    const def = this.byName.get(module);
    return def?.hasChart ? def.dir : undefined;
  }

  hooksDir(module: string): string | undefined {
    const dir = this.byName.get(module)?.dir;
    return dir === undefined ? undefined : join(dir, 'hooks');
  }

  /** Runs the module's `enabled` script; a module without one is enabled (no opinion). */
  async runEnabledScript(
    module: string,
    input: EnabledScriptInput,
    options: ExecutorCallOptions = {},
  ): Promise<EnabledScriptResult> {
    const def = this.byName.get(module);
    if (!def) throw new Error(`runEnabledScript: unknown module ${module}`);
    if (!def.enabledScript) return { enabled: true };
    const o = this.scriptOptions;
    return runEnabledScript({ module, path: def.enabledScript }, input, {
      ...(o.trackProcessGroup ? { track: o.trackProcessGroup } : {}),
      tmpDir: o.tmpDir,
      env: o.env,
      baseEnv: o.baseEnv,
      timeoutMs: o.enabledScriptTimeoutMs,
      logger: o.logger,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }
}

/** `MODULES_DIR` may list several roots separated by `:`. */
function rootList(dirs: string | readonly string[]): string[] {
  const list = typeof dirs === 'string' ? dirs.split(delimiter) : [...dirs];
  return list.filter((d) => d !== '').map((d) => resolve(d));
}

const isInside = (root: string, path: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

interface Candidate {
  name: string;
  order: number;
  dir: string;
  root: string;
  rootValues: YamlMap;
  rootValuesFile: string;
}

interface RootScan {
  candidates: Candidate[];
  values: YamlMap;
  valuesFile: string;
}

/** Lists one root's module directories (name-sorted) and reads its values.yaml. */
async function scanRoot(root: string, options: LoadModulesDirOptions, problems: string[]): Promise<RootScan> {
  let entries: string[];
  try {
    entries = (await readdir(root)).sort();
  } catch (e) {
    throw new ModulesDirError(`modules directory ${root}: cannot list: ${(e as Error).message}`, root, {
      cause: e,
    });
  }
  const valuesFile = join(root, 'values.yaml');
  const values = (await readYamlMap(valuesFile)) ?? {};
  const realRoot = options.strictModulesRoot ? await realpath(root) : root;
  const candidates: Candidate[] = [];
  for (const entry of entries) {
    const path = join(root, entry);
    if (entry === 'values.yaml') continue;
    if (entry.includes('/') || entry.includes('\\') || entry.includes('..')) {
      throw new ModulesDirError(
        `module directory ${path}: the name must not contain '/', '\\' or '..'`,
        path,
      );
    }
    const link = await lstat(path);
    let isDir = link.isDirectory();
    if (link.isSymbolicLink()) {
      let target: Awaited<ReturnType<typeof stat>>;
      try {
        target = await stat(path);
      } catch (e) {
        problems.push(`${path}: dangling symlink ignored (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        continue;
      }
      isDir = target.isDirectory();
      if (isDir && options.strictModulesRoot) {
        const real = await realpath(path);
        if (!isInside(realRoot, real)) {
          throw new ModulesDirError(
            `module directory ${path}: symlink resolves to ${real}, outside the modules root ${realRoot} ` +
              '(strictModulesRoot)',
            path,
          );
        }
      }
    }
    if (!isDir) {
      // A file beside the modules (README.md, a Makefile) is skipped, as addon-operator's
      // findModulesInDir skips non-directories (pkg/module_manager/loader/fs/fs.go); only a
      // symlink that resolves to a file is worth a warning.
      if (link.isSymbolicLink()) problems.push(`${path}: not a directory, ignored`);
      continue;
    }
    if (entry.startsWith('.')) {
      problems.push(`${path}: hidden directory ignored`);
      continue;
    }
    let parsed: { name: string; order: number };
    try {
      parsed = parseModuleDirName(entry, options.unnumberedOrder ?? DEFAULT_UNNUMBERED_MODULE_ORDER);
    } catch (e) {
      if (e instanceof ModuleNameError) {
        throw new ModuleNameError(`${root}: ${e.message}`, e.dir, e.moduleName);
      }
      throw e;
    }
    candidates.push({ ...parsed, dir: path, root, rootValues: values, rootValuesFile: valuesFile });
  }
  return { candidates, values, valuesFile };
}

/**
 * The Static extender's flags from a root values.yaml (addon-operator pkg/module_manager/scheduler/extenders/): every top-level `<key>Enabled`
 * must be a boolean; the module name is the kebab-case of `<key>`.
 */
function staticFlags(values: YamlMap, file: string, into: Map<string, boolean>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!key.endsWith(ENABLED_SUFFIX) || key.length === ENABLED_SUFFIX.length) continue;
    if (typeof value !== 'boolean') {
      throw new ModulesDirError(
        `${file}: ${key}: must be a boolean (true or false), found ${describe(value)}`,
        file,
      );
    }
    into.set(moduleNameFromKey(key.slice(0, -ENABLED_SUFFIX.length)), value);
  }
}

/** The `key` section of a values file: a mapping, `{}` for an empty section, an error otherwise. */
function section(values: YamlMap | undefined, key: string, file: string): Values {
  const v = values?.[key];
  if (v === undefined || v === null) return {};
  if (!isYamlMap(v))
    throw new ModulesDirError(`${file}: ${key}: must be a mapping, found ${describe(v)}`, file);
  return v;
}

/** Classifies `<dir>/enabled` (addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript)): an executable file, or no opinion (with a warning when unusable). */
async function enabledScript(dir: string, problems: string[]): Promise<string | undefined> {
  const path = join(dir, 'enabled');
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ModulesDirError(`${path}: cannot stat the enabled script: ${(e as Error).message}`, path, {
      cause: e,
    });
  }
  if (!info.isFile()) {
    problems.push(`${path}: not a regular file, ignored (module enabled by its other extenders)`);
    return undefined;
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    problems.push(`${path}: not executable, ignored (module enabled by its other extenders)`);
    return undefined;
  }
  return path;
}

async function loadModule(
  c: Candidate,
  flags: Map<string, boolean>,
  options: LoadModulesDirOptions,
  problems: string[],
  compiler: SchemaCompiler,
): Promise<DirModuleDefinition> {
  const key = valuesKey(c.name);
  const moduleValuesFile = join(c.dir, 'values.yaml');
  const [moduleValues, schemas, crds, hasChart, script] = await Promise.all([
    readYamlMap(moduleValuesFile),
    loadOpenApiSchemas(join(c.dir, 'openapi')),
    loadCrds(c.dir, options.crdFilterPrefixes ?? DEFAULT_CRD_FILTER_PREFIXES),
    hasHelmChart(c.dir),
    enabledScript(c.dir, problems),
  ]);
  const staticValues = deepMerge(
    section(c.rootValues, key, c.rootValuesFile),
    section(moduleValues, key, moduleValuesFile),
  );
  const def: DirModuleDefinition = {
    name: c.name,
    order: c.order,
    dir: c.dir,
    root: c.root,
    staticValues,
    hasChart,
    hasEnabledScript: script !== undefined,
    crds: crds.objects,
    crdFiles: crds.files,
    schemas,
    ...compileSchemaChecks(`module ${c.name}`, schemas, key, compiler),
  };
  const flag = flags.get(c.name);
  if (flag !== undefined) def.staticEnabled = flag;
  // Only the modules root's values.yaml holds Static flags (addon-operator's
  // pkg/module_manager/scheduler/extenders/static/static.go); the module's own one is kept for messages.
  const ownFlag = moduleValues?.[`${key}${ENABLED_SUFFIX}`];
  if (ownFlag !== undefined) def.ownValuesEnabled = ownFlag;
  if (script !== undefined) def.enabledScript = script;
  return def;
}

/**
 * Loads the modules directory (one root, a `:`-separated list, or an array, in precedence order).
 * Rejects with ModulesDirError or ModuleNameError naming the file or directory at fault; warnings
 * (dangling symlinks, non-directories, duplicate modules: the later one is skipped) go to
 * `problems`.
 */
export async function loadModulesDir(
  dirs: string | readonly string[],
  options: LoadModulesDirOptions = {},
): Promise<ModulesDirSource> {
  const problems: string[] = [];
  const flags = new Map<string, boolean>();
  let globalStatic: Values = {};
  const candidates: Candidate[] = [];
  const seen = new Map<string, string>();
  for (const root of rootList(dirs)) {
    const scan = await scanRoot(root, options, problems);
    staticFlags(scan.values, scan.valuesFile, flags);
    globalStatic = deepMerge(globalStatic, section(scan.values, GLOBAL_VALUES_KEY, scan.valuesFile));
    for (const c of scan.candidates) {
      const first = seen.get(c.name);
      if (first !== undefined) {
        problems.push(`${c.dir}: module ${c.name} is already loaded from ${first}, skipped`);
        continue;
      }
      seen.set(c.name, c.dir);
      candidates.push(c);
    }
  }
  const compiler = createSchemaCompiler();
  const defs: DirModuleDefinition[] = [];
  for (const c of candidates) {
    try {
      defs.push(await loadModule(c, flags, options, problems, compiler));
    } catch (e) {
      if (!options.collectErrors) throw e;
      problems.push(e instanceof Error ? e.message : String(e));
    }
  }

  const globalSchemas: OpenApiSchemas = options.globalHooksDir
    ? await loadOpenApiSchemas(join(resolve(options.globalHooksDir), 'openapi'))
    : {};
  const globalDef: DirGlobalDefinition = {
    staticValues: globalStatic,
    schemas: globalSchemas,
    ...compileSchemaChecks('global', globalSchemas, undefined, compiler),
  };
  return new ModulesDirSource(globalDef, sortModules(defs), problems, options);
}
