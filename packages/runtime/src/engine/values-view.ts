import {
  computeValues,
  type EngineState,
  type GlobalDefinition,
  type ModuleDefinition,
  type Values,
  type ValuesPatchOp,
  valuesChecksum,
  valuesKey,
} from '@converge/core';

/**
 * Reads module and global values out of the folded state (addon-operator pkg/module_manager/models/modules/values_storage.go layering): static values,
 * config-schema defaults, config values, values-schema defaults, then accumulated patches.
 */
export class ValuesView {
  /** Computed values and checksum per scope; dropped when an event changes that scope. */
  private readonly cache = new Map<string, { values: Values; checksum?: string }>();

  /** Forgets the cached values of `scope` (all scopes when omitted). */
  invalidate(scope?: string): void {
    if (scope === undefined) this.cache.clear();
    else this.cache.delete(scope);
  }

  private cached(scope: string, compute: () => Values): { values: Values; checksum?: string } {
    let entry = this.cache.get(scope);
    if (!entry) {
      entry = { values: compute() };
      this.cache.set(scope, entry);
    }
    return entry;
  }

  constructor(
    private readonly state: () => EngineState,
    private readonly global: () => GlobalDefinition,
    private readonly module: (name: string) => ModuleDefinition | undefined,
  ) {}

  /** Global values (shared object: treat as read-only). */
  globalValues(): Values {
    return this.cached('global', () => this.computeGlobal()).values;
  }

  private computeGlobal(): Values {
    const s = this.state();
    const g = this.global();
    return computeValues({
      key: 'global',
      staticValues: g.staticValues ?? {},
      configValues: s.configValues.global ?? {},
      configDefaults: g.configDefaults,
      valuesDefaults: g.valuesDefaults,
      patches: (s.valuesPatches.global ?? []) as ValuesPatchOp[],
    });
  }

  /** A module's values (shared object: treat as read-only). */
  moduleValues(name: string): Values {
    return this.cached(name, () => this.computeModule(name)).values;
  }

  private computeModule(name: string): Values {
    const s = this.state();
    const m = this.module(name);
    return computeValues({
      key: valuesKey(name),
      staticValues: m?.staticValues ?? {},
      configValues: s.configValues[name] ?? {},
      configDefaults: m?.configDefaults,
      valuesDefaults: m?.valuesDefaults,
      patches: (s.valuesPatches[name] ?? []) as ValuesPatchOp[],
    });
  }

  /** `$VALUES_PATH` content for a hook of `module` (or a global hook). */
  hookValues(module?: string): Values {
    const out: Values = { global: this.globalValues() };
    if (module) out[valuesKey(module)] = this.moduleValues(module);
    return out;
  }

  /** `$CONFIG_VALUES_PATH` content: raw user config, no static values or defaults. */
  hookConfigValues(module?: string): Values {
    const s = this.state();
    const out: Values = { global: s.configValues.global ?? {} };
    if (module) out[valuesKey(module)] = s.configValues[module] ?? {};
    return out;
  }

  checksum(scope: string): string {
    const entry = this.cached(scope, () =>
      scope === 'global' ? this.computeGlobal() : this.computeModule(scope),
    );
    entry.checksum ??= valuesChecksum(entry.values);
    return entry.checksum;
  }
}
