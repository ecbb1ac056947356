import { join, resolve } from 'node:path';
import { valuesKey } from '@converge/core';
import { renderChart } from '@converge/helm';
import { loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { resourcesBesideTheirDefinition } from '../chart-crds.js';

export interface ValidateOptions {
  modulesDir: string;
  globalHooks?: string;
  json: boolean;
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
 * collects every problem instead of stopping at the first.
 */
export async function validateModules(o: Omit<ValidateOptions, 'json'>): Promise<ValidationProblem[]> {
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
  for (const p of source.problems) {
    // Loader problems read `<file>: <what>`; split off the file when it is there.
    const m = /^(\/[^:]+):\s(.*)$/s.exec(p);
    problems.push(m ? { file: m[1], message: m[2] } : { file: modulesDir, message: p });
  }
  const runner = new ProcessHookRunner({
    ...(globalHooksDir ? { globalHooksDir } : {}),
    moduleHooksDir: (m: string) => source.hooksDir(m),
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
    const chartDir = source.chartDir(def.name);
    if (!chartDir) continue;
    try {
      const moduleValues =
        def.valuesDefaults?.(def.configDefaults?.(def.staticValues ?? {}) ?? {}) ?? def.staticValues ?? {};
      const values = { global: {}, [valuesKey(def.name)]: moduleValues };
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

function problemOf(e: unknown, fallbackFile: string): ValidationProblem {
  const err = e as { file?: string; message?: string };
  return { file: err.file ?? fallbackFile, message: err.message ?? String(e) };
}

/** `converge validate <modulesDir>`: exit status 1 when there is any problem. */
export async function validateCommand(
  o: ValidateOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const problems = await validateModules(o);
  if (o.json) out.write(`${JSON.stringify({ ok: problems.length === 0, problems })}\n`);
  else if (problems.length === 0) out.write('ok: no problems found\n');
  else {
    for (const p of problems)
      out.write(`${p.file}${p.module ? ` (module ${p.module})` : ''}: ${p.message}\n`);
    out.write(`${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  }
  return problems.length === 0 ? 0 : 1;
}
