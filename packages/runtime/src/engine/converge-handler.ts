import {
  diffEnabled,
  enabledBeforeScript,
  groupByOrder,
  moduleStateName,
  type NotEnabledReason,
  nextConvergeStep,
  notEnabledReason,
  sortModules,
  type Values,
  valuesKey,
} from '@converge/core';
import type { ConvergeReason } from '@converge/protocol';
import { reportNotEnabled } from '../not-enabled-reports.js';
import { type EngineCore, MAIN } from './engine-core.js';
import { invokeHook } from './hook-invoker.js';
import type { Task, TaskResult } from './task.js';
import type { TaskQueue } from './task-queue.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Task types that belong to a converge and are drained when it restarts (addon-operator pkg/task/tasks/, addon-operator pkg/addon-operator/handler_module_manager.go). */
export function isConvergeTask(t: Task): boolean {
  return (
    t.type === 'ConvergeModules' ||
    t.type === 'ModuleDelete' ||
    t.type === 'ModuleEnsureCRDs' ||
    (t.type === 'ModuleHookRun' && t.sync !== undefined && t.queue === MAIN) ||
    ((t.type === 'ModuleRun' || t.type === 'ParallelModuleRun') && t.isReloadAll === true)
  );
}

export function convergeTask(core: EngineCore, reason: ConvergeReason, trigger: string): Task {
  return core.newTask({ type: 'ConvergeModules', queue: MAIN, trigger, convergeReason: reason });
}

/**
 * ConvergeModules (addon-operator pkg/task/tasks/converge-modules/task.go): a re-entrant cursor over the converge statechart. Each invocation
 * runs what the chart says next and keeps the task at the head while module tasks run.
 */
export async function handleConverge(core: EngineCore, task: Task, queue: TaskQueue): Promise<TaskResult> {
  if (core.state.converge.value === 'standBy' || core.state.decisions.convergeRestartPending) {
    // Deduplicate back-to-back converges (AO-28).
    const next = queue.tasks.slice(queue.tasks.indexOf(task) + 1);
    for (const t of next) {
      if (t.type !== 'ConvergeModules') break;
      queue.remove(t.id);
    }
    core.emit('ConvergeStarted', {
      convergeId: core.ids.next('converge'),
      reason: task.convergeReason ?? 'OperatorStartup',
      trigger: task.trigger,
    });
  }
  for (;;) {
    const step = nextConvergeStep(core.state.converge);
    switch (step.kind) {
      case 'runHook': {
        const hook = core.globalHooks.find((h) => h.name === step.hook)!;
        const out = await invokeHook(core, {
          hook,
          binding: step.binding,
          contexts: [core.kube.lifecycleContext(undefined, hook, step.binding)],
          attempt: task.failureCount + 1,
          queue: queue.name,
        });
        if (!out.ok) {
          core.metrics.inc('global_hook_errors_total', {
            hook: hook.name,
            binding: step.binding,
            queue: MAIN,
          });
          return { status: 'Fail', error: `global hook '${hook.name}' failed: ${out.error}` };
        }
        break;
      }
      case 'discover': {
        const planned = await discover(core, task);
        if ('error' in planned) {
          core.metrics.inc('modules_discover_errors_total', {});
          return { status: 'Fail', error: planned.error };
        }
        if (planned.tasks.length > 0) return { status: 'Keep', head: planned.tasks };
        break;
      }
      case 'deleteModules':
      case 'runModules': {
        // Reached again while modules are pending: their tasks were drained; queue them anew.
        const tasks = moduleTasks(
          core,
          step.kind === 'deleteModules' ? step.modules : [],
          step.kind === 'runModules' ? [step.group] : [],
          task.convergeReason ?? 'OperatorStartup',
        );
        return { status: 'Keep', head: tasks };
      }
      case 'complete': {
        const convergeId = core.state.converge.context.convergeId ?? '';
        const changed = core.state.decisions.afterAllValuesChanged;
        const first = core.state.converge.context.completed === 0;
        core.emit('ConvergeCompleted', { convergeId });
        const tail: Task[] = [];
        if (changed)
          tail.push(convergeTask(core, 'GlobalValuesChanged', 'AfterAll-Hooks-Change-GlobalValues'));
        if (first) {
          tail.push(
            core.newTask({
              type: 'DiscoverHelmReleases',
              queue: MAIN,
              trigger: 'Operator-PostConvergeCleanup',
            }),
          );
        }
        return { status: 'Success', tail };
      }
      default:
        return { status: 'Success' };
    }
  }
}

/**
 * Which modules are enabled now: extenders (dynamic flags, config, static values), then `enabled`
 * scripts in module order, each seeing the modules enabled before it (addon-operator pkg/module_manager/module_manager.go (RefreshEnabledState)), and the config
 * values `configValuesOf` gives (by default the applied ones). Records nothing.
 */
export async function decideEnabled(
  core: EngineCore,
  configValuesOf: (module: string) => Values = (m) => core.values.hookConfigValues(m),
): Promise<
  | { enabled: string[]; reasons: Record<string, string>; notEnabled: Map<string, NotEnabledReason> }
  | { module: string; error: string }
> {
  const enabled: string[] = [];
  const reasons: Record<string, string> = {};
  const notEnabled = new Map<string, NotEnabledReason>();
  for (const def of sortModules([...core.moduleDefs.values()])) {
    const pre = enabledBeforeScript(def, {
      dynamic: core.state.decisions.dynamicEnabled,
      config: core.config(),
    });
    if (!pre.enabled) {
      reasons[def.name] = pre.by ? `disabled by ${pre.by}` : 'not enabled by any extender';
      notEnabled.set(def.name, notEnabledReason(def, pre.by));
      continue;
    }
    if (def.hasEnabledScript) {
      try {
        const globalValues = { ...core.values.globalValues(), enabledModules: [...enabled] };
        const r = await core.options.modules.runEnabledScript(def.name, {
          values: { global: globalValues, [valuesKey(def.name)]: core.values.moduleValues(def.name) },
          configValues: configValuesOf(def.name),
        });
        if (!r.enabled) {
          reasons[def.name] = r.reason
            ? `disabled by ScriptEnabled: ${r.reason}`
            : 'disabled by ScriptEnabled';
          notEnabled.set(def.name, notEnabledReason(def, 'ScriptEnabled', r));
          continue;
        }
      } catch (e) {
        return { module: def.name, error: `enabled script of module '${def.name}' failed: ${errorText(e)}` };
      }
    }
    reasons[def.name] = `enabled by ${pre.by}`;
    enabled.push(def.name);
  }
  return { enabled, reasons, notEnabled };
}

/**
 * Decides which modules are enabled (decideEnabled) and records ModulesPlanned with the deletes and run groups (addon-operator pkg/task/tasks/converge-modules/task.go (CreateConvergeModulesTasks), addon-operator pkg/module_manager/module_manager.go (RefreshEnabledState)).
 */
async function discover(core: EngineCore, task: Task): Promise<{ tasks: Task[] } | { error: string }> {
  const convergeId = core.state.converge.context.convergeId ?? '';
  const defs = sortModules([...core.moduleDefs.values()]);
  const before = [...core.state.enabled];
  let enabled: string[];
  let reasons: Record<string, string> = {};
  let notEnabled = new Map<string, NotEnabledReason>();
  // GlobalValuesChanged converges keep the current enabled set (addon-operator pkg/module_manager/module_manager.go (RefreshEnabledState), quirk Q2).
  if (
    core.state.decisions.graphDirty ||
    task.convergeReason !== 'GlobalValuesChanged' ||
    core.state.converge.context.completed === 0
  ) {
    const decided = await decideEnabled(core);
    if ('error' in decided) {
      core.emit('DiscoveryFailed', { convergeId, module: decided.module, error: decided.error });
      return { error: decided.error };
    }
    ({ enabled, reasons, notEnabled } = decided);
  } else {
    enabled = before;
  }
  const first = core.state.converge.context.completed === 0 && before.length === 0;
  const diff = diffEnabled(defs, before, enabled);
  const enabledSet = new Set(enabled);
  // Delete every module that is not enabled but still has a lifecycle (not only the ones that
  // just flipped): a delete drained by a converge restart is planned again. Also every module
  // the log shows with a release or with a delete that had begun, earlier runs included: a
  // restart resumes the delete with its hooks. addon-operator purges such releases without
  // hooks at startup (quirk Q1, changed: docs/compatibility.md).
  const carried = new Set([...core.state.decisions.pendingDeletes, ...core.state.decisions.releases]);
  const toDisable = [...defs]
    .reverse()
    .filter(
      (d) =>
        !enabledSet.has(d.name) &&
        (carried.has(d.name) ||
          (!first && !['disabled', 'deleted'].includes(moduleStateName(core.state.modules[d.name])))),
    )
    .map((d) => d.name);
  const enabledDefs = defs.filter((d) => enabledSet.has(d.name));
  const groups = groupByOrder(enabledDefs);
  for (const m of diff.toDisable)
    core.emit('ModuleDisabled', { module: m, reason: reasons[m] ?? 'disabled' });
  for (const m of diff.toEnable) core.emit('ModuleEnabled', { module: m, reason: reasons[m] ?? 'enabled' });
  reportNotEnabled(core, convergeId, notEnabled, enabled, diff.toDisable);
  reapplyConfigOfReenabled(core, diff.toEnable);
  core.emit('ModulesPlanned', { convergeId, enabled, groups, toEnable: diff.toEnable, toDisable });
  return { tasks: moduleTasks(core, toDisable, groups, task.convergeReason ?? 'OperatorStartup') };
}

/**
 * A module re-enabled after a delete gets its config section back at once (addon-operator
 * waits for the next config change: quirk Q4, fixed — docs/compatibility.md).
 */
function reapplyConfigOfReenabled(core: EngineCore, modules: string[]): void {
  for (const m of modules) {
    const section = core.config()[valuesKey(m)];
    if (core.state.configValues[m] === undefined && section && typeof section === 'object') {
      core.emit('ConfigValuesChanged', {
        scope: m,
        patch: Object.entries(section).map(([k, v]) => ({
          op: 'add',
          path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
          value: v,
        })),
      });
    }
  }
}

/** ModuleDelete tasks (given order) then one ModuleRun or ParallelModuleRun per group. */
function moduleTasks(
  core: EngineCore,
  toDisable: string[],
  groups: string[][],
  reason: ConvergeReason,
): Task[] {
  const doStartup = (m: string) => {
    const v = core.state.modules[m]?.value;
    return v === undefined || v === 'disabled' || v === 'deleted';
  };
  // CRDs of newly enabled modules first, group by group (addon-operator pkg/task/tasks/converge-modules/task.go (CreateConvergeModulesTasks) step 1).
  const tasks: Task[] = groups
    .flat()
    .filter((m) => doStartup(m) && (core.moduleDefs.get(m)?.crds?.length ?? 0) > 0)
    .map((m) =>
      core.newTask({
        type: 'ModuleEnsureCRDs',
        queue: MAIN,
        module: m,
        trigger: 'EnsureCRDs',
        isReloadAll: true,
      }),
    );
  for (const m of toDisable)
    tasks.push(
      core.newTask({ type: 'ModuleDelete', queue: MAIN, module: m, trigger: reason, isReloadAll: true }),
    );
  for (const group of groups) {
    if (group.length === 0) continue;
    if (group.length === 1) {
      tasks.push(
        core.newTask({
          type: 'ModuleRun',
          queue: MAIN,
          module: group[0],
          trigger: reason,
          doStartup: doStartup(group[0]),
          isReloadAll: true,
        }),
      );
    } else {
      tasks.push(
        core.newTask({
          type: 'ParallelModuleRun',
          queue: MAIN,
          trigger: reason,
          isReloadAll: true,
          parallel: { modules: group.map((m) => ({ name: m, doStartup: doStartup(m) })) },
        }),
      );
    }
  }
  return tasks;
}

/** ModuleEnsureCRDs (addon-operator pkg/task/tasks/module-ensure-crds/task.go): create or update the module's CRDs, labelled heritage=addon-operator. */
export async function handleEnsureCrds(core: EngineCore, task: Task): Promise<TaskResult> {
  const module = task.module!;
  const crds = core.moduleDefs.get(module)?.crds ?? [];
  try {
    await core.cluster.apply(
      crds.map((crd) => ({
        operation: 'CreateOrUpdate' as const,
        object: {
          ...crd,
          metadata: {
            ...crd.metadata,
            labels: { ...(crd.metadata.labels ?? {}), heritage: 'addon-operator' },
          },
        },
      })),
    );
  } catch (e) {
    return { status: 'Fail', error: `ensure CRDs: ${errorText(e)}`, module };
  }
  core.emit('ModuleCrdsEnsured', { module, crds: crds.map((c) => c.metadata.name) });
  return { status: 'Success' };
}
