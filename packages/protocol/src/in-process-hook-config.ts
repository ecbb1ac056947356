import type { LifecycleBinding } from './events.js';
import { hookConfigError, parseHookConfig } from './hook-config.js';
import type { EffectiveHookConfig, HookConfigContext } from './hook-config-effective.js';

/**
 * An in-process hook (a TypeScript hook run inside the engine, addon-operator's Go hook) is
 * configured with a shell hook's `--config` document, plus what addon-operator's Go hooks have
 * beyond it (pkg/module_manager/go_hook/go_hook.go):
 * - lifecycle orders are numbers, fractions included (`OrderedConfig{Order float64}`), where a
 *   shell hook's must be integers;
 * - `settings.enableSchedulesOnStartup` (`HookConfigSettings.EnableSchedulesOnStartup`): its
 *   schedule bindings run before the first converge is done.
 */
export interface InProcessHookConfig {
  config: EffectiveHookConfig;
  enableSchedulesOnStartup: boolean;
}

const orderKeys = [
  'onStartup',
  'beforeAll',
  'afterAll',
  'beforeHelm',
  'afterHelm',
  'beforeDeleteHelm',
  'afterDeleteHelm',
] as const satisfies readonly LifecycleBinding[];

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validates an in-process hook's config as `parseHookConfig` does, with the Go hook rules above. */
export function parseInProcessHookConfig(raw: unknown, ctx: HookConfigContext): InProcessHookConfig {
  if (!isObject(raw)) return { config: parseHookConfig(raw, ctx), enableSchedulesOnStartup: false };
  const doc: Record<string, unknown> = { ...raw };
  const fractional: Partial<Record<LifecycleBinding, number>> = {};
  for (const key of orderKeys) {
    const v = doc[key];
    // A finite non-integer order is checked as 0, then given back.
    if (typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v)) {
      fractional[key] = v;
      doc[key] = 0;
    }
  }
  let enableSchedulesOnStartup = false;
  if (isObject(doc.settings) && Object.hasOwn(doc.settings, 'enableSchedulesOnStartup')) {
    const { enableSchedulesOnStartup: flag, ...rest } = doc.settings;
    if (typeof flag !== 'boolean')
      throw hookConfigError(ctx, [
        {
          path: 'settings.enableSchedulesOnStartup',
          message: `must be a boolean (got ${JSON.stringify(flag)})`,
        },
      ]);
    enableSchedulesOnStartup = flag;
    if (Object.keys(rest).length > 0) doc.settings = rest;
    else delete doc.settings;
  }
  const config = parseHookConfig(doc, ctx);
  for (const [key, order] of Object.entries(fractional) as [LifecycleBinding, number][]) {
    if (config.orders[key] === undefined) continue;
    config.orders[key] = order;
    if (key === 'onStartup') config.onStartup = order;
  }
  return { config, enableSchedulesOnStartup };
}
