import { moduleStateName } from '@converge/core';
import type { EngineCore } from './engine-core.js';

/** Foreign releases already logged, per engine, so that a retried discovery does not repeat the line. */
const logged = new WeakMap<EngineCore, Set<string>>();

/**
 * The releases DiscoverHelmReleases may purge (addon-operator pkg/task/tasks/discover-helm-release/task.go): of the listed releases that no enabled
 * module owns, those the executor reports as owned by converge or addon-operator. A foreign release
 * (`owned: false`, docs/compatibility.md "Only its own releases") is logged once at info and left
 * alone. A known module whose delete has not finished is never purged: its ModuleDelete runs
 * beforeDeleteHelm first and is retried until it does. Rejects with the executor's error when a
 * status cannot be read.
 */
export async function purgeCandidates(core: EngineCore, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const name of names) {
    if (core.isEnabled(name) || deleting(core, name)) continue;
    const info = await core.options.releases.status(name);
    if (!info) continue;
    if (info.owned === false) {
      const seen = logged.get(core) ?? new Set<string>();
      logged.set(core, seen);
      if (!seen.has(name)) {
        seen.add(name);
        core.logger.info(
          { release: name, namespace: info.namespace },
          `helm release ${name} left alone, not installed by converge`,
        );
      }
      continue;
    }
    out.push(name);
  }
  return out;
}

/** A module of the modules directory whose delete began, or whose lifecycle has not ended. */
function deleting(core: EngineCore, name: string): boolean {
  if (!core.moduleDefs.has(name)) return false;
  if (core.state.decisions.pendingDeletes.includes(name)) return true;
  const snap = core.state.modules[name];
  return snap !== undefined && !['disabled', 'deleted'].includes(moduleStateName(snap));
}
