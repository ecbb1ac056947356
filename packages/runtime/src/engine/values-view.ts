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
 * Reads module and global values out of the folded state (AO §9.1 layering): static values,
 * config-schema defaults, config values, values-schema defaults, then accumulated patches.
 */
export class ValuesView {
  constructor(
    private readonly state: () => EngineState,
    private readonly global: () => GlobalDefinition,
    private readonly module: (name: string) => ModuleDefinition | undefined,
  ) {}

  globalValues(): Values {
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

  moduleValues(name: string): Values {
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
    return valuesChecksum(scope === 'global' ? this.globalValues() : this.moduleValues(scope));
  }
}
