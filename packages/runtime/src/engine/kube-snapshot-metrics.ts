import type { HookDefinition } from '@converge/core';
import type { SnapshotCount } from '../operator-metrics.js';
import type { EngineCore } from './engine-core.js';

/**
 * The objects each kubernetes binding holds, for `kube_snapshot_objects` with shell-operator's
 * labels (module, hook, binding, queue, kind; module "" for global hooks, as addon-operator's
 * `pkg/module_manager/models/modules/global.go` sets them): global hooks and enabled modules' hooks.
 */
export function kubeSnapshotCounts(core: EngineCore): SnapshotCount[] {
  const out: SnapshotCount[] = [];
  const add = (module: string | undefined, hook: HookDefinition) => {
    if (hook.watches.length === 0) return;
    const snapshots = core.kube.snapshotsOf(module, hook);
    for (const [i, w] of hook.watches.entries())
      out.push({
        module: module ?? '',
        hook: hook.name,
        binding: w.name,
        queue: hook.kubernetes[i]?.queue ?? 'main',
        kind: w.selector.kind,
        count: snapshots[w.name]?.length ?? 0,
      });
  };
  for (const h of core.globalHooks) add(undefined, h);
  for (const m of core.state.enabled) for (const h of core.moduleRuntime.get(m)?.hooks ?? []) add(m, h);
  return out;
}
