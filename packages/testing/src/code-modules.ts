import type {
  EnabledScriptInput,
  ExecutorCallOptions,
  GlobalDefinition,
  ModuleDefinition,
  ModuleSource,
  Values,
} from '@converge/core';
import type { KubeObject } from '@converge/protocol';
import type { CodeHook } from './code-hooks.js';

/** A chart given inline: file path (relative to the chart root) → content. */
export type InlineChart = Record<string, string>;

/**
 * A module defined in code. Without `enabled` it is enabled (as if the modules root
 * values.yaml said `<key>Enabled: true`); a function acts as the module's `enabled` script.
 */
export interface CodeModule {
  name: string;
  order?: number;
  values?: Values;
  enabled?:
    | boolean
    | ((
        input: EnabledScriptInput,
      ) =>
        | boolean
        | { enabled: boolean; reason?: string }
        | Promise<boolean | { enabled: boolean; reason?: string }>);
  /** Chart files (e.g. `{'templates/cm.yaml': '...'}`) or a chart directory on disk. */
  chart?: InlineChart | string;
  hooks?: CodeHook[];
  /** CRDs applied before the module's first run after it is enabled (addon-operator pkg/task/tasks/module-ensure-crds/task.go). */
  crds?: KubeObject[];
  validateConfigValues?: (values: Values) => string | undefined;
  validateValues?: (values: Values) => string | undefined;
  validateHelmValues?: (values: Values) => string | undefined;
  configDefaults?: (values: Values) => Values;
  valuesDefaults?: (values: Values) => Values;
}

export interface CodeGlobal {
  values?: Values;
  validateConfigValues?: (values: Values) => string | undefined;
  validateValues?: (values: Values) => string | undefined;
}

/** Serves in-code module definitions and runs their `enabled` functions. */
export class CodeModuleSource implements ModuleSource {
  constructor(
    private readonly defs: CodeModule[],
    private readonly globalDef: CodeGlobal = {},
  ) {}

  async global(): Promise<GlobalDefinition> {
    return {
      staticValues: this.globalDef.values,
      validateConfigValues: this.globalDef.validateConfigValues,
      validateValues: this.globalDef.validateValues,
    };
  }

  async modules(): Promise<ModuleDefinition[]> {
    return this.defs.map((m) => ({
      name: m.name,
      order: m.order ?? 1,
      staticValues: m.values,
      staticEnabled: typeof m.enabled === 'boolean' ? m.enabled : true,
      hasChart: m.chart !== undefined,
      hasEnabledScript: typeof m.enabled === 'function',
      crds: m.crds,
      validateConfigValues: m.validateConfigValues,
      validateValues: m.validateValues,
      validateHelmValues: m.validateHelmValues,
      configDefaults: m.configDefaults,
      valuesDefaults: m.valuesDefaults,
    }));
  }

  async runEnabledScript(
    module: string,
    input: EnabledScriptInput,
    options: ExecutorCallOptions = {},
  ): Promise<{ enabled: boolean; reason?: string }> {
    const def = this.defs.find((m) => m.name === module);
    if (typeof def?.enabled !== 'function') return { enabled: true };
    const { signal } = options;
    if (signal?.aborted) throw new Error(`enabled check of module ${module}: aborted`);
    // An in-code check cannot be killed: once aborted, the engine stops waiting for it.
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new Error(`enabled check of module ${module}: aborted`));
      signal?.addEventListener('abort', onAbort);
    });
    const r = await Promise.race([Promise.resolve(def.enabled(input)), aborted]).finally(() =>
      signal?.removeEventListener('abort', onAbort),
    );
    return typeof r === 'boolean' ? { enabled: r } : r;
  }
}
