import { valuesKey } from '@converge/core';
import type { EngineCore } from './engine-core.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The Helm step of a module run (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)): validate helm values, render, then upgrade only
 * when the release is missing, not deployed, its `moduleChecksum` differs, or chart resources
 * are absent. Returns an error text on failure (already recorded as HelmOperationFailed).
 */
export async function runHelmStep(core: EngineCore, module: string): Promise<string | undefined> {
  // module_helm_seconds for the whole step (addon-operator's RunHelmInstall).
  const started = core.clock.now();
  try {
    return await helmStep(core, module);
  } finally {
    core.metrics.observe('module_helm_seconds', { module }, (core.clock.now() - started) / 1000);
  }
}

/** Runs `step` timed as `helm_operation_seconds{operation}` (addon-operator's sub-steps). */
async function timed<T>(
  core: EngineCore,
  module: string,
  operation: string,
  step: () => Promise<T>,
): Promise<T> {
  const started = core.clock.now();
  try {
    return await step();
  } finally {
    core.metrics.observe(
      'helm_operation_seconds',
      { module, operation },
      (core.clock.now() - started) / 1000,
    );
  }
}

async function helmStep(core: EngineCore, module: string): Promise<string | undefined> {
  const releases = core.options.releases;
  const chartValues = core.values.hookValues(module);
  const def = core.moduleDefs.get(module);
  const invalid = def?.validateHelmValues?.(chartValues);
  if (invalid) return recordFailure(core, module, 'validate', `check helm values: ${invalid}`);
  let operation = 'render';
  try {
    const rendered = await timed(core, module, 'template', () => releases.render(module, chartValues));
    operation = 'status';
    const info = await releases.status(module);
    const unmanaged = isUnmanaged(core, module);
    const maintenanceLabel = info?.labels?.[MAINTENANCE_LABEL];
    if (unmanaged && maintenanceLabel === 'true') {
      // Unmanaged (addon-operator pkg/module_manager/models/modules/basic.go (maintenance state)): after the one upgrade that set the label, Helm is left alone.
      core.resources.stop(module);
      core.emit('HelmUpgradeSkipped', { module, release: module, reason: 'unmanaged' });
      return undefined;
    }
    let reason: string | undefined;
    if (!info) reason = 'not-found';
    else if (info.status.toLowerCase() !== 'deployed') reason = 'not-deployed';
    else if (info.checksum !== rendered.checksum) reason = 'checksum';
    else {
      operation = 'check-upgrade';
      const absent = await timed(core, module, 'check-upgrade', () =>
        releases.absentResources(module, rendered),
      );
      if (absent.length > 0) reason = 'absent';
    }
    if (!reason && (maintenanceLabel ?? 'false') !== String(unmanaged)) reason = 'maintenance';
    if (!reason) {
      core.resources.start(module, rendered, false);
      core.emit('HelmUpgradeSkipped', { module, release: module, reason: 'unchanged' });
      return undefined;
    }
    operation = 'upgrade';
    const labels = {
      moduleChecksum: rendered.checksum,
      [MAINTENANCE_LABEL]: String(unmanaged),
    };
    const out = await timed(core, module, 'upgrade', () =>
      releases.upgrade(module, chartValues, { checksum: rendered.checksum, labels, rendered }),
    );
    core.emit('HelmReleaseUpgraded', {
      module,
      release: module,
      revision: out.revision,
      checksum: rendered.checksum,
      reason,
    });
    if (unmanaged) core.resources.stop(module);
    else core.resources.start(module, rendered, true);
    return undefined;
  } catch (e) {
    return recordFailure(core, module, operation, errorText(e));
  }
}

const MAINTENANCE_LABEL = 'maintenance.deckhouse.io/no-resource-reconciliation';

/** `<key>Maintenance: NoResourceReconciliation` in the config makes a module unmanaged (addon-operator pkg/kube_config_manager/backend/configmap/configmap.go, addon-operator pkg/module_manager/models/modules/basic.go (maintenance state)). */
function isUnmanaged(core: EngineCore, module: string): boolean {
  const v = core.config()[`${valuesKey(module)}Maintenance`];
  return typeof v === 'string' && v.toLowerCase() === 'noresourcereconciliation';
}

function recordFailure(core: EngineCore, module: string, operation: string, error: string): string {
  core.emit('HelmOperationFailed', { module, operation, error });
  return error;
}
