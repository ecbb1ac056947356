import type { HookDefinition } from '@converge/core';
import { convergeTask } from './converge-handler.js';
import { type EngineCore, MAIN } from './engine-core.js';
import { invokeHook } from './hook-invoker.js';
import type { Task, TaskResult } from './task.js';
import type { TaskQueue } from './task-queue.js';

function findHook(core: EngineCore, task: Task): HookDefinition | undefined {
  const hooks = task.module ? core.moduleRuntime.get(task.module)?.hooks : core.globalHooks;
  return hooks?.find((h) => h.name === task.hook);
}

/**
 * Absorbs the consecutive tasks of the same hook that follow `task` in its queue (shell-operator pkg/shell-operator/operator.go (CombineBindingContextForHook)):
 * their binding contexts are appended, same-group runs collapse to the last context, and
 * absorbed Synchronization tasks count as done.
 */
function combineFollowing(task: Task, queue: TaskQueue, hook: HookDefinition): Task[] {
  if (hook.configVersion === 'v0') return [];
  const i = queue.tasks.indexOf(task);
  const absorbed: Task[] = [];
  for (let j = i + 1; j < queue.tasks.length; j++) {
    const t = queue.tasks[j];
    if (t.type !== task.type || t.hook !== task.hook || t.module !== task.module) break;
    if (
      task.sync &&
      t.sync &&
      (task.sync.waitForSynchronization !== t.sync.waitForSynchronization ||
        task.sync.executeOnSynchronization !== t.sync.executeOnSynchronization)
    )
      break;
    absorbed.push(t);
  }
  if (absorbed.length === 0) return [];
  for (const t of absorbed) queue.remove(t.id);
  const contexts = [...(task.contexts ?? []), ...absorbed.flatMap((t) => t.contexts ?? [])];
  const groups = [
    ...(task.groups ?? []),
    ...absorbed.flatMap((t) => t.groups ?? (t.contexts ?? []).map(() => undefined)),
  ];
  const keep = contexts.map((_, k) => !(groups[k] && groups[k + 1] === groups[k]));
  task.contexts = contexts.filter((_, k) => keep[k]);
  task.groups = groups.filter((_, k) => keep[k]);
  return absorbed.filter((t) => t.sync);
}

/**
 * GlobalHookRun and ModuleHookRun for kubernetes and schedule bindings, including
 * Synchronization tasks (addon-operator pkg/task/tasks/global-hook-run/task.go, addon-operator pkg/task/tasks/module-hook-run/task.go).
 */
export async function handleHookTask(core: EngineCore, task: Task, queue: TaskQueue): Promise<TaskResult> {
  const module = task.module;
  if (module && !core.isEnabled(module)) return { status: 'Success' }; // stale task (AO-106)
  const hook = findHook(core, task);
  if (!hook) return { status: 'Success' };
  const finishSync = (t: Task, executed: boolean) => {
    if (!t.sync) return;
    core.kube.unlock(module, hook.name, t.sync.bindingName);
    core.emit('SynchronizationCompleted', {
      hook: hook.name,
      ...(module ? { module } : {}),
      bindingName: t.sync.bindingName,
      executed,
    });
  };
  if (task.sync && (hook.configVersion === 'v0' || !task.sync.executeOnSynchronization)) {
    finishSync(task, false);
    return { status: 'Success' };
  }
  const absorbedSyncs = combineFollowing(task, queue, hook);
  const contexts = core.kube.refreshContexts(module, hook, task.contexts ?? []);
  const out = await invokeHook(core, {
    module,
    hook,
    binding: task.binding ?? 'kubernetes',
    contexts,
    attempt: task.failureCount + 1,
    queue: queue.name,
    synchronization: task.sync !== undefined,
  });
  const prefix = module ? 'module' : 'global';
  const labels: Record<string, string> = module
    ? { module, hook: hook.name, binding: task.binding ?? '', queue: queue.name }
    : { hook: hook.name, binding: task.binding ?? '', queue: queue.name };
  if (!out.ok) {
    if (task.allowFailure) {
      core.metrics.inc(
        module ? 'module_hook_allowed_errors_total' : 'global_hook_allowed_errors_total',
        labels,
      );
      finishSync(task, true);
      for (const t of absorbedSyncs) finishSync(t, true);
      return { status: 'Success' };
    }
    core.metrics.inc(module ? 'module_hook_errors_total' : 'global_hook_errors_total', labels);
    // Absorbed tasks are kept in the failing task's contexts and retried with it.
    return { status: 'Fail', error: `${prefix} hook '${hook.name}' failed: ${out.error}`, module };
  }
  core.metrics.inc(module ? 'module_hook_success_total' : 'global_hook_success_total', labels);
  finishSync(task, true);
  for (const t of absorbedSyncs) finishSync(t, true);
  if (out.valuesChanged && !task.sync) {
    if (module) {
      if (!core.hasPendingModuleRun(module)) {
        const trigger =
          task.binding === 'schedule' ? 'Schedule-Change-ModuleValues' : 'Kubernetes-Change-ModuleValues';
        core.enqueue(core.newTask({ type: 'ModuleRun', queue: MAIN, module, trigger, doStartup: false }));
      }
    } else if (task.reloadAllOnValuesChanges) {
      const trigger =
        task.binding === 'schedule' ? 'Schedule-Change-GlobalValues' : 'Kubernetes-Change-GlobalValues';
      core.resources.stopAll();
      core.enqueue(convergeTask(core, 'GlobalValuesChanged', trigger));
    }
  }
  return { status: 'Success' };
}

/** Global onStartup hooks (addon-operator pkg/addon-operator/operator.go (CreateBootstrapTasks)): run in `main`, failures block and retry. */
export async function handleGlobalStartupHook(
  core: EngineCore,
  task: Task,
  queue: TaskQueue,
): Promise<TaskResult> {
  const hook = findHook(core, task);
  if (!hook) return { status: 'Success' };
  const out = await invokeHook(core, {
    hook,
    binding: 'onStartup',
    contexts: [{ binding: 'onStartup' }],
    attempt: task.failureCount + 1,
    queue: queue.name,
  });
  if (!out.ok) {
    core.metrics.inc('global_hook_errors_total', { hook: hook.name, binding: 'onStartup', queue: MAIN });
    return { status: 'Fail', error: `global hook '${hook.name}' failed: ${out.error}` };
  }
  core.metrics.inc('global_hook_success_total', { hook: hook.name, binding: 'onStartup', queue: MAIN });
  return { status: 'Success' };
}
