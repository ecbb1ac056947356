import type { NewEvent } from '@converge/protocol';
import type { EngineCore } from './engine-core.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The Helm step of a module run (AO §11.3): validate helm values, render, then upgrade only
 * when the release is missing, not deployed, its `moduleChecksum` differs, or chart resources
 * are absent. Returns an error text on failure (already recorded as HelmOperationFailed).
 */
export async function runHelmStep(core: EngineCore, module: string): Promise<string | undefined> {
  const releases = core.options.releases;
  const chartValues = core.values.hookValues(module);
  const def = core.moduleDefs.get(module);
  const invalid = def?.validateHelmValues?.(chartValues);
  if (invalid) return recordFailure(core, module, 'validate', `check helm values: ${invalid}`);
  let operation = 'render';
  try {
    const rendered = await releases.render(module, chartValues);
    operation = 'status';
    const info = await releases.status(module);
    let reason: string | undefined;
    if (!info) reason = 'not-found';
    else if (info.status.toLowerCase() !== 'deployed') reason = 'not-deployed';
    else if (info.checksum !== rendered.checksum) reason = 'checksum';
    else {
      operation = 'check-upgrade';
      const absent = await releases.absentResources(module, rendered);
      if (absent.length > 0) reason = 'absent';
    }
    if (!reason) {
      core.append({ type: 'HelmUpgradeSkipped', module, release: module, reason: 'unchanged' } as NewEvent);
      return undefined;
    }
    operation = 'upgrade';
    const labels = {
      moduleChecksum: rendered.checksum,
      'maintenance.deckhouse.io/no-resource-reconciliation': 'false',
    };
    const out = await releases.upgrade(module, chartValues, {
      checksum: rendered.checksum,
      labels,
      rendered,
    });
    core.append({
      type: 'HelmReleaseUpgraded',
      module,
      release: module,
      revision: out.revision,
      checksum: rendered.checksum,
    } as NewEvent);
    return undefined;
  } catch (e) {
    return recordFailure(core, module, operation, errorText(e));
  }
}

function recordFailure(core: EngineCore, module: string, operation: string, error: string): string {
  core.append({ type: 'HelmOperationFailed', module, operation, error } as NewEvent);
  return error;
}
