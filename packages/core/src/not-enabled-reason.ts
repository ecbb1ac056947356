import type { EnabledBy } from './planning.js';
import type { ModuleDefinition } from './ports.js';
import { enabledKey } from './values/naming.js';

/** Why a module is left disabled, in words a module author can act on. */
export interface NotEnabledReason {
  /** The flag looked for, e.g. `backendEnabled`. */
  flag: string;
  reason: string;
}

/**
 * Says why `module` is not enabled, given the extender that decided (`by`, '' when none had an
 * opinion) and, when its `enabled` script said no, the script's reason. addon-operator's Static
 * extender reads `<key>Enabled` from the modules directory's values.yaml only
 * (pkg/module_manager/scheduler/extenders/static/static.go), so a flag in the module's own
 * values.yaml is named as not counting.
 */
export function notEnabledReason(
  module: Pick<ModuleDefinition, 'name' | 'ownValuesEnabled'>,
  by: EnabledBy,
  script?: { reason?: string },
): NotEnabledReason {
  const flag = enabledKey(module.name);
  const own =
    module.ownValuesEnabled === undefined
      ? ''
      : `; the module's own values.yaml sets \`${flag}: ${JSON.stringify(module.ownValuesEnabled)}\`, which does not count (only the modules directory's values.yaml, global hooks and the config do, as in addon-operator)`;
  switch (by) {
    case 'Static':
      return { flag, reason: `\`${flag}: false\` in the modules directory's values.yaml${own}` };
    case 'DynamicallyEnabled':
      return { flag, reason: `a global hook set \`${flag}\` to false${own}` };
    case 'KubeConfig':
      return { flag, reason: `\`${flag}: false\` in the config${own}` };
    case 'ScriptEnabled':
      return {
        flag,
        reason: `its enabled script said false${script?.reason ? `: ${script.reason}` : ''}`,
      };
    default:
      return {
        flag,
        reason: `\`${flag}\` is not set in the modules directory's values.yaml, by a global hook or in the config${own}`,
      };
  }
}
