import {
  type ConfigDocument,
  moduleNameFromKey,
  type Values,
  valuesChecksum,
  valuesKey,
} from '@converge/core';
import type { JsonPatchOperation } from '@converge/protocol';
import fastJsonPatch from 'fast-json-patch';
import { convergeTask, decideEnabled, isConvergeTask } from './converge-handler.js';
import { type EngineCore, MAIN } from './engine-core.js';
import { purgeCandidates } from './purge-candidates.js';
import type { Task, TaskResult } from './task.js';

const isSection = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sections of a config document by scope (`global` or a module name). */
export function configSections(config: ConfigDocument): Record<string, Values> {
  const out: Record<string, Values> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('Enabled') || key.endsWith('Maintenance')) continue;
    out[key === 'global' ? 'global' : moduleNameFromKey(key)] = isSection(value) ? value : {};
  }
  return out;
}

function enabledFlags(config: ConfigDocument): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config).filter(([k]) => k.endsWith('Enabled')));
}

/**
 * Drains converge tasks from `main` and the parallel queues up to and including the first
 * ConvergeModules (addon-operator pkg/addon-operator/handler_module_manager.go RemoveCurrentConvergeTasks); returns whether anything was removed.
 */
export function removeCurrentConvergeTasks(core: EngineCore): boolean {
  let removed = false;
  for (const q of core.queues.values()) {
    if (q.name !== MAIN && !q.name.startsWith('parallel_queue_')) continue;
    let seenConverge = false;
    const dropped = q.removeWhere((t) => {
      if (seenConverge || (!isConvergeTask(t) && !(t.parentId && q.name !== MAIN))) return false;
      if (t.type === 'ConvergeModules') seenConverge = true;
      return true;
    });
    for (const t of dropped) if (t.type === 'ParallelModuleRun') core.parallel.cancel(t.id);
    if (dropped.length > 0) removed = true;
  }
  // A ParallelModuleRun that is running now was not removed; cancel it so that main moves on.
  const head = core.queue(MAIN).running;
  if (head?.type === 'ParallelModuleRun') {
    core.parallel.cancel(head.id);
    removed = true;
  }
  return removed;
}

/**
 * A new config document arrived (addon-operator pkg/addon-operator/handler_module_manager.go; config
 * is applied ahead of queued lifecycle work): ApplyKubeConfigValues goes to the head of `main`; a global change restarts
 * the converge, a change of `<module>Enabled` flags restarts it only when the enabled set changed,
 * a module-section change re-runs only that module.
 */
export function onConfigChanged(core: EngineCore, config: ConfigDocument): void {
  const prev = core.config();
  const prevSections = configSections(prev);
  const nextSections = configSections(config);
  const globalChanged =
    valuesChecksum(prevSections.global ?? {}) !== valuesChecksum(nextSections.global ?? {});
  const changedModules = Object.keys({ ...prevSections, ...nextSections }).filter(
    (s) => s !== 'global' && valuesChecksum(prevSections[s] ?? {}) !== valuesChecksum(nextSections[s] ?? {}),
  );
  const flagsChanged = valuesChecksum(enabledFlags(prev)) !== valuesChecksum(enabledFlags(config));
  // A maintenance change re-runs the module like a section change (addon-operator pkg/addon-operator/handler_module_manager.go).
  for (const key of new Set([...Object.keys(prev), ...Object.keys(config)])) {
    if (!key.endsWith('Maintenance') || prev[key] === config[key]) continue;
    const m = moduleNameFromKey(key.slice(0, -'Maintenance'.length));
    if (!changedModules.includes(m)) changedModules.push(m);
  }
  if (!globalChanged && changedModules.length === 0 && !flagsChanged) return;
  core.emit('ConfigReceived', { config });
  const main = core.queue(MAIN);
  const apply = core.newTask({
    type: 'ApplyKubeConfigValues',
    queue: MAIN,
    trigger: 'Apply-Kube-Config-Values-Changes',
  });
  // ConfigReceived folded graphDirty and convergeRestartPending (core's run-decisions.ts).
  if (core.state.converge.context.completed === 0 && core.state.converge.value === 'standBy') {
    main.addFirst(apply);
    main.cancelDelay();
    return;
  }
  if (globalChanged) {
    queueConverge(core, apply);
    return;
  }
  if (!flagsChanged) {
    main.addFirst(apply, ...moduleReruns(core, changedModules));
    return;
  }
  void core.track(() => recalculateGraph(core, nextSections, apply, changedModules));
}

/** A ReloadAllModules converge after `apply`: at the head when converge tasks were drained, else at the tail. */
function queueConverge(core: EngineCore, apply: Task): void {
  const main = core.queue(MAIN);
  const converge = convergeTask(core, 'ReloadAllModules', 'ReloadAll-After-KubeConfigChange');
  const drained = removeCurrentConvergeTasks(core);
  if (drained) main.addFirst(apply, converge);
  else {
    main.addFirst(apply);
    main.addLast(converge);
  }
}

/** ModuleRun tasks for the enabled modules among `modules` that have none queued (addon-operator pkg/addon-operator/handler_module_manager.go step 7). */
function moduleReruns(core: EngineCore, modules: string[]): Task[] {
  return modules
    .filter((m) => core.isEnabled(m) && !core.hasPendingModuleRun(m))
    .map((m) =>
      core.newTask({
        type: 'ModuleRun',
        queue: MAIN,
        module: m,
        trigger: 'KubeConfig-Changed-Modules',
        doStartup: false,
      }),
    );
}

/**
 * After a change of `<module>Enabled` flags (and no global change), decides the enabled set again
 * and converges only when it changed, as addon-operator's KubeConfigChanged handler does after
 * RecalculateGraph (pkg/addon-operator/handler_module_manager.go): a flag set to what the module
 * already is, or overridden by an `enabled` script, starts no converge; changed module sections
 * re-run their modules instead. It runs beside the queues, as there, so a converge blocked by a
 * failing module is still restarted; `enabled` scripts see the new config (quirk Q3, fixed).
 */
async function recalculateGraph(
  core: EngineCore,
  sections: Record<string, Values>,
  apply: Task,
  changedModules: string[],
): Promise<void> {
  const changed = await enabledSetChanged(core, (m) => ({
    global: sections.global ?? {},
    [valuesKey(m)]: sections[m] ?? {},
  }));
  if (changed === undefined) return;
  if (changed) queueConverge(core, apply);
  else core.queue(MAIN).addFirst(apply, ...moduleReruns(core, changedModules));
}

/**
 * Decides the enabled set again and records EnabledModulesRecalculated; whether it differs from
 * the planned one (undefined once the engine stops). A failing `enabled` script counts as a
 * change, so that the converge's discovery reports it.
 */
async function enabledSetChanged(
  core: EngineCore,
  configValuesOf?: (module: string) => Values,
): Promise<boolean | undefined> {
  const decided = await decideEnabled(core, configValuesOf);
  if (core.stopped) return undefined;
  const before = new Set(core.state.enabled);
  const enabled = 'error' in decided ? [...before] : decided.enabled;
  const changed = 'error' in decided || enabled.length !== before.size || enabled.some((m) => !before.has(m));
  core.emit('EnabledModulesRecalculated', { enabled, changed });
  return changed;
}

/**
 * A global hook changed dynamic `<module>Enabled` flags (addon-operator pkg/addon-operator/handler_module_manager.go); ModuleDynamicEnabledChanged
 * folded graphDirty, EnabledModulesRecalculated folds convergeRestartPending.
 */
export function onDynamicEnabledChanged(core: EngineCore): void {
  if (core.state.converge.context.completed === 0) return;
  void core.track(async () => {
    // Converge only when the enabled set changed (RecalculateGraph in addon-operator's
    // pkg/addon-operator/handler_module_manager.go).
    if (await enabledSetChanged(core)) queueDynamicConverge(core);
  });
}

function queueDynamicConverge(core: EngineCore): void {
  const main = core.queue(MAIN);
  const converge = convergeTask(core, 'ReloadAllModules', 'ReloadAll-After-GlobalHookDynamicUpdate');
  const drained = removeCurrentConvergeTasks(core);
  if (drained && core.state.converge.value !== 'standBy') main.addFirst(converge);
  else main.addLast(converge);
}

/** ApplyKubeConfigValues (addon-operator pkg/task/tasks/apply-kube-config-values/task.go, addon-operator pkg/module_manager/module_manager.go (ApplyNewKubeConfigValues)): validate the config, then record changed sections. */
export async function handleApplyConfig(core: EngineCore, _task: Task): Promise<TaskResult> {
  const sections = configSections(core.config());
  const errors: string[] = [];
  for (const [scope, section] of Object.entries(sections)) {
    if (scope === 'global') {
      const err = core.globalDef.validateConfigValues?.(section);
      if (err) errors.push(`global: ${err}`);
      continue;
    }
    const def = core.moduleDefs.get(scope);
    if (!def) {
      core.logger.warn({ module: scope }, 'config has values for an unknown module');
      continue;
    }
    const flag = core.config()[`${valuesKey(scope)}Enabled`];
    if (!core.isEnabled(scope) && flag !== true && flag !== 'true') continue;
    const err = def.validateConfigValues?.(section);
    if (err) errors.push(err.includes(scope) ? err : `module ${scope}: ${err}`);
  }
  if (errors.length > 0) {
    core.metrics.inc('modules_discover_errors_total', {});
    return { status: 'Fail', error: `config values are invalid: ${errors.join('; ')}` };
  }
  for (const [scope, section] of Object.entries(sections)) {
    if (scope !== 'global' && !core.moduleDefs.has(scope)) continue;
    const current = core.state.configValues[scope] ?? {};
    if (valuesChecksum(current) === valuesChecksum(section)) continue;
    const patch = fastJsonPatch.compare(current, section) as JsonPatchOperation[];
    core.emit('ConfigValuesChanged', { scope, patch });
  }
  return { status: 'Success' };
}

/**
 * DiscoverHelmReleases and ModulePurge (addon-operator pkg/task/tasks/discover-helm-release/task.go, addon-operator pkg/task/tasks/module-purge/task.go): purge releases of no enabled module, only
 * those converge or addon-operator installed (purge-candidates.ts).
 */
export async function handleDiscoverReleases(core: EngineCore, task: Task): Promise<TaskResult> {
  let names: string[];
  try {
    names = await purgeCandidates(core, await core.options.releases.list());
  } catch (e) {
    return { status: 'Fail', error: `list releases: ${e instanceof Error ? e.message : String(e)}` };
  }
  const purge = names.sort().reverse();
  return {
    status: 'Success',
    after: purge.map((name) =>
      core.newTask({ type: 'ModulePurge', queue: MAIN, module: name, trigger: task.trigger }),
    ),
  };
}

export async function handleModulePurge(core: EngineCore, task: Task): Promise<TaskResult> {
  const release = task.module!;
  try {
    await core.options.releases.uninstall(release);
    core.emit('HelmReleaseUninstalled', { module: release, release, purge: true });
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    core.emit('HelmOperationFailed', { module: release, operation: 'purge', error });
    core.logger.warn({ module: release }, `Module purge failed, no retry: ${error}`);
  }
  return { status: 'Success' };
}
