import { join, resolve } from 'node:path';
import {
  type ConfigDocument,
  enabledBeforeScript,
  type Logger,
  notEnabledReason,
  valuesKey,
} from '@converge/core';
import { renderChart } from '@converge/helm';
import { loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { resourcesBesideTheirDefinition } from '../chart-crds.js';
import { readConfigFile } from '../config-file.js';

export interface ValidateOptions {
  modulesDir: string;
  globalHooks?: string;
  /** `--config FILE`: the config whose `<key>Enabled` flags count, as in `converge run`. */
  config?: string;
  json: boolean;
}

/** Something a run would do that the author may not expect; not a failure. */
export interface ValidationNote {
  file: string;
  module?: string;
  message: string;
}

export interface ValidationProblem {
  /** The file (or directory) the problem is in. */
  file: string;
  /** Module name, when the problem belongs to one. */
  module?: string;
  message: string;
}

/**
 * Loads everything a run would load — modules, values, schemas, hook configs, charts — and
 * collects every problem instead of stopping at the first. `notes`, when given, receives what is
 * not a failure but changes what runs: a module left disabled without a config, and why.
 */
export async function validateModules(
  o: Omit<ValidateOptions, 'json'>,
  notes: ValidationNote[] = [],
): Promise<ValidationProblem[]> {
  const problems: ValidationProblem[] = [];
  const modulesDir = resolve(o.modulesDir);
  const globalHooksDir = o.globalHooks ? resolve(o.globalHooks) : undefined;
  let source: Awaited<ReturnType<typeof loadModulesDir>>;
  try {
    source = await loadModulesDir(modulesDir, {
      ...(globalHooksDir ? { globalHooksDir } : {}),
      collectErrors: true,
    });
  } catch (e) {
    return [{ file: modulesDir, message: e instanceof Error ? e.message : String(e) }];
  }
  let config: ConfigDocument = {};
  if (o.config) {
    try {
      config = await readConfigFile(resolve(o.config));
    } catch (e) {
      problems.push({ file: resolve(o.config), message: e instanceof Error ? e.message : String(e) });
    }
  }
  for (const p of source.problems) {
    // Loader problems read `<file>: <what>`; split off the file when it is there.
    const m = /^(\/[^:]+):\s(.*)$/s.exec(p);
    problems.push(m ? { file: m[1], message: m[2] } : { file: modulesDir, message: p });
  }
  // The hook loader's warnings: a hook file that is not executable is skipped at load, as
  // addon-operator skips it (pkg/module_manager/models/modules/basic.go,
  // ErrFileNoExecutablePermissions), so the module would run without it: a problem here.
  const logger = warningsLogger((fields, message) => {
    const { module, dir, hook } = fields as { module?: string; dir?: string; hook?: string };
    const at = module ? { module } : {};
    const skipped = /^(.+): not executable, skipped \((.*)\)$/.exec(message);
    if (skipped && dir)
      problems.push({
        file: join(dir, skipped[1] as string),
        ...at,
        message: `hook not executable: skipped at load, the module runs without it (${skipped[2]})`,
      });
    else notes.push({ file: dir ?? modulesDir, ...at, message: hook ? `${hook}: ${message}` : message });
  });
  const runner = new ProcessHookRunner({
    ...(globalHooksDir ? { globalHooksDir } : {}),
    moduleHooksDir: (m: string) => source.hooksDir(m),
    logger,
  });
  if (globalHooksDir) {
    try {
      await runner.globalHooks();
    } catch (e) {
      problems.push(problemOf(e, globalHooksDir));
    }
  }
  for (const def of await source.modules()) {
    try {
      await runner.moduleHooks(def.name);
    } catch (e) {
      problems.push({ ...problemOf(e, source.hooksDir(def.name) ?? modulesDir), module: def.name });
    }
    const pre = enabledBeforeScript(def, { dynamic: {}, config });
    if (!pre.enabled)
      notes.push({
        file: source.moduleDir(def.name) ?? modulesDir,
        module: def.name,
        message: `not enabled${o.config ? '' : ' without a config'}: ${notEnabledReason(def, pre.by).reason}`,
      });
    const staticValues = def.staticValues ?? {};
    const withConfigDefaults = def.configDefaults?.(staticValues) ?? staticValues;
    const moduleValues = def.valuesDefaults?.(withConfigDefaults) ?? withConfigDefaults;
    const values = { global: {}, [valuesKey(def.name)]: moduleValues };
    // The static values (values.yaml sections with the schema defaults) must satisfy the module's
    // values schema: a run validates them before helm and fails the module otherwise.
    const invalid = def.validateValues?.(moduleValues) ?? def.validateHelmValues?.(values);
    if (invalid)
      problems.push({
        file: source.moduleDir(def.name) ?? modulesDir,
        module: def.name,
        message: `static values: ${invalid}`,
      });
    const chartDir = source.chartDir(def.name);
    if (!chartDir) continue;
    try {
      const rendered = await renderChart({
        chartDir,
        release: def.name,
        namespace: 'default',
        module: def.name,
        values,
      });
      for (const message of resourcesBesideTheirDefinition(rendered.objects))
        problems.push({ file: join(chartDir, 'templates'), module: def.name, message: `chart: ${message}` });
    } catch (e) {
      problems.push({
        file: chartDir,
        module: def.name,
        message: `chart: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  return problems;
}

/** A Logger that hands each warning to `onWarn` and drops the rest. */
function warningsLogger(onWarn: (fields: object, message: string) => void): Logger {
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (fields, message) => onWarn(fields, message ?? ''),
    error: (fields, message) => onWarn(fields, message ?? ''),
    child: () => logger,
  };
  return logger;
}

function problemOf(e: unknown, fallbackFile: string): ValidationProblem {
  const err = e as { file?: string; message?: string };
  return { file: err.file ?? fallbackFile, message: err.message ?? String(e) };
}

/** `converge validate <modulesDir>`: exit status 1 when there is any problem. */
export async function validateCommand(
  o: ValidateOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const notes: ValidationNote[] = [];
  const problems = await validateModules(o, notes);
  if (o.json) out.write(`${JSON.stringify({ ok: problems.length === 0, problems, notes })}\n`);
  else {
    for (const n of notes)
      out.write(`note: ${n.file}${n.module ? ` (module ${n.module})` : ''}: ${n.message}\n`);
    if (problems.length === 0) out.write('ok: no problems found\n');
    else {
      for (const p of problems)
        out.write(`${p.file}${p.module ? ` (module ${p.module})` : ''}: ${p.message}\n`);
      out.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
    }
  }
  return problems.length === 0 ? 0 : 1;
}
