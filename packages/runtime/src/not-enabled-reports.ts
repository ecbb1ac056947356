import type { NotEnabledReason } from '@converge/core';
import type { EngineCore } from './engine/engine-core.js';

/** Per engine: the reason last reported for each module left disabled. */
const reported = new WeakMap<EngineCore, Map<string, string>>();

/**
 * Records `ModuleNotEnabled` and a log line for each module a converge leaves disabled, once per
 * reason: a module disabled by this converge (its `ModuleDisabled` says so) and a module whose
 * reason did not change are not reported again; an enabled module is forgotten.
 */
export function reportNotEnabled(
  core: EngineCore,
  convergeId: string,
  notEnabled: ReadonlyMap<string, NotEnabledReason>,
  enabled: readonly string[],
  justDisabled: readonly string[],
): void {
  const last = reported.get(core) ?? new Map<string, string>();
  reported.set(core, last);
  for (const m of enabled) last.delete(m);
  for (const [module, { flag, reason }] of notEnabled) {
    if (last.get(module) === reason) continue;
    last.set(module, reason);
    if (justDisabled.includes(module)) continue;
    core.emit('ModuleNotEnabled', { module, convergeId, flag, reason });
    core.logger.info({ module, flag }, `module ${module} is not enabled: ${reason}`);
  }
}
