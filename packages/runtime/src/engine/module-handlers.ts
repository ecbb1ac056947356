import { type ModuleStep, nextModuleStep } from '@converge/core';
import type { ModuleFailedPhase } from '@converge/protocol';
import { type EngineCore, MAIN } from './engine-core.js';
import { runHelmStep } from './helm-step.js';
import { invokeHook } from './hook-invoker.js';
import type { Task, TaskResult } from './task.js';
import type { TaskQueue } from './task-queue.js';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Registers a module's hooks when they are not registered (addon-operator pkg/module_manager/models/hooks/kind/); a bad config fails the run. */
async function ensureRegistered(core: EngineCore, module: string): Promise<string | undefined> {
  if (core.state.modules[module]?.context.registered) return undefined;
  try {
    const hooks = await core.options.hooks.moduleHooks(module);
    core.moduleRuntime.set(module, { hooks, monitorsStarted: false, schedulesEnabled: false });
    core.emit('ModuleHooksRegistered', {
      module,
      hooks: hooks.map(({ name, orders, kubernetes, schedule }) => ({ name, orders, kubernetes, schedule })),
    });
    return undefined;
  } catch (e) {
    return errorText(e);
  }
}

function moduleHook(core: EngineCore, module: string, name: string) {
  const hook = core.moduleRuntime.get(module)?.hooks.find((h) => h.name === name);
  if (!hook) throw new Error(`module ${module} has no registered hook ${name}`);
  return hook;
}

/** Runs one lifecycle hook of a module with `[{binding, snapshots}]`; returns the error text on failure. */
async function runLifecycleHook(
  core: EngineCore,
  task: Task,
  queue: TaskQueue,
  module: string,
  step: Extract<ModuleStep, { kind: 'runHook' }>,
): Promise<string | undefined> {
  const hook = moduleHook(core, module, step.hook);
  const out = await invokeHook(core, {
    module,
    hook,
    binding: step.binding,
    contexts: [core.kube.lifecycleContext(module, hook, step.binding)],
    attempt: task.failureCount + 1,
    queue: queue.name,
  });
  return out.ok ? undefined : `module hook '${step.hook}' failed: ${out.error}`;
}

/** Records a failed Helm call of a delete and fails the task. */
function helmFailure(
  core: EngineCore,
  task: Task,
  phase: ModuleFailedPhase,
  operation: string,
  e: unknown,
): TaskResult {
  core.emit('HelmOperationFailed', { module: task.module!, operation, error: errorText(e) });
  return fail(core, task, phase, errorText(e));
}

function fail(core: EngineCore, task: Task, phase: ModuleFailedPhase, error: string): TaskResult {
  core.emit('ModuleFailed', { module: task.module!, phase, error });
  core.metrics.inc(task.type === 'ModuleDelete' ? 'module_delete_errors_total' : 'module_run_errors_total', {
    module: task.module!,
  });
  return { status: 'Fail', error: `${phase}: ${error}`, module: task.module };
}

/** True for the steps of a run that come after Synchronization: beforeHelm, helm, afterHelm. */
const pastSynchronization = (step: ModuleStep): boolean =>
  step.kind === 'helm' ||
  step.kind === 'finishRun' ||
  (step.kind === 'runHook' && (step.binding === 'beforeHelm' || step.binding === 'afterHelm'));

/**
 * ModuleRun (addon-operator pkg/task/tasks/module-run/task.go): registers hooks, then drives the module statechart step by step —
 * onStartup, Synchronization, beforeHelm, helm, afterHelm — appending what happened.
 */
export async function handleModuleRun(core: EngineCore, task: Task, queue: TaskQueue): Promise<TaskResult> {
  const module = task.module!;
  if (!core.isEnabled(module)) {
    core.emit('ModuleRunSkipped', { module, reason: 'module is disabled' });
    core.parallel.childDone(task);
    return { status: 'Success' };
  }
  const regError = await ensureRegistered(core, module);
  if (regError) return fail(core, task, 'registerHooks', regError);
  // A task re-entering its own run (after its Synchronization tasks) starts no new one.
  if (core.state.decisions.runTasks[module] !== task.id) {
    core.emit('ModuleRunStarted', {
      module,
      trigger: task.trigger,
      doStartup: task.doStartup ?? false,
      attempt: task.failureCount + 1,
      queue: queue.name,
      taskId: task.id,
    });
  }
  for (;;) {
    const step: ModuleStep = nextModuleStep(core.state.modules[module]);
    // Schedules are enabled once Synchronization is done, before beforeHelm, so a module whose
    // beforeHelm keeps failing still gets its schedule runs (addon-operator's EnableScheduleBindings
    // phase, pkg/task/tasks/module-run/task.go).
    if (pastSynchronization(step)) core.kube.enableSchedules(module);
    switch (step.kind) {
      case 'runHook': {
        const error = await runLifecycleHook(core, task, queue, module, step);
        if (error) return fail(core, task, step.binding, error);
        break;
      }
      case 'synchronize': {
        const sync = await core.kube.synchronizeModule(module, queue.name);
        if ('error' in sync) return fail(core, task, 'synchronization', sync.error);
        if (sync.head.length > 0) return { status: 'Keep', head: sync.head };
        if (nextModuleStep(core.state.modules[module]).kind === 'synchronize') {
          queue.setBlocked(true);
          await core.kube.waitForModuleSync(module);
          queue.setBlocked(false);
        }
        break;
      }
      case 'helm': {
        const err = await runHelmStep(core, module);
        if (err) return fail(core, task, 'helm', err);
        break;
      }
      case 'finishRun': {
        // Values changed while afterHelm hooks ran: the run repeats from beforeHelm (addon-operator pkg/task/tasks/module-run/task.go).
        if (core.state.decisions.afterHelmValuesChanged[module]) {
          const rerun = core.newTask({
            type: 'ModuleRun',
            queue: queue.name,
            module,
            trigger: 'AfterHelm-Hooks-Change-Values',
            doStartup: false,
            isReloadAll: task.isReloadAll,
            parentId: task.parentId,
          });
          return { status: 'Success', after: [rerun] };
        }
        core.emit('ModuleReady', { module });
        core.parallel.childDone(task);
        return { status: 'Success' };
      }
      default:
        core.parallel.childDone(task);
        return { status: 'Success' };
    }
  }
}

/**
 * ModuleDelete (addon-operator pkg/task/tasks/module-delete/task.go, addon-operator pkg/task/tasks/module-delete/task.go): beforeDeleteHelm only when a release exists, then uninstall,
 * then afterDeleteHelm (always). A failure anywhere retries the whole sequence with backoff.
 */
export async function handleModuleDelete(
  core: EngineCore,
  task: Task,
  queue: TaskQueue,
): Promise<TaskResult> {
  const module = task.module!;
  const regError = await ensureRegistered(core, module);
  if (regError) return fail(core, task, 'registerHooks', regError);
  core.kube.drainModuleQueues(module);
  core.kube.disableSchedules(module);
  core.resources.stop(module);
  const monitorError = await core.kube.startDeleteMonitors(module);
  if (monitorError)
    return fail(core, task, 'beforeDeleteHelm', `enable kubernetes bindings: ${monitorError}`);
  core.emit('ModuleDeleteStarted', { module, attempt: task.failureCount + 1 });
  for (;;) {
    const step = nextModuleStep(core.state.modules[module]);
    switch (step.kind) {
      case 'checkRelease': {
        try {
          const info = await core.options.releases.status(module);
          // A foreign release is not ours to remove: as if absent, so beforeDeleteHelm does not run.
          const foreign = info?.owned === false;
          core.emit('HelmReleaseChecked', {
            module,
            release: module,
            exists: info !== undefined && !foreign,
            ...(foreign ? { reason: 'foreign' } : {}),
          });
        } catch (e) {
          return helmFailure(core, task, 'checkRelease', 'status', e);
        }
        break;
      }
      case 'runHook': {
        const error = await runLifecycleHook(core, task, queue, module, step);
        if (error) return fail(core, task, step.binding, error);
        break;
      }
      case 'uninstall': {
        try {
          await core.options.releases.uninstall(module);
          core.emit('HelmReleaseUninstalled', { module, release: module });
        } catch (e) {
          return helmFailure(core, task, 'uninstall', 'uninstall', e);
        }
        break;
      }
      case 'finishDelete': {
        core.kube.stopModule(module);
        core.moduleRuntime.delete(module);
        core.rateLimits.forget(module);
        core.emit('ModuleDeleted', { module });
        return { status: 'Success' };
      }
      default:
        return { status: 'Success' };
    }
  }
}

/**
 * ParallelModuleRun (addon-operator pkg/task/tasks/parallel-module-run/task.go): fans the group out to parallel queues and blocks `main` until
 * every child ModuleRun succeeded; a drained parent (converge restart) cancels its children.
 */
export async function handleParallelModuleRun(
  core: EngineCore,
  task: Task,
  queue: TaskQueue,
): Promise<TaskResult> {
  const modules = task.parallel?.modules ?? [];
  const slots = Math.max(1, (core.options.parallelQueues ?? 20) - 1);
  const done = core.parallel.register(
    task,
    modules.map((m) => m.name),
  );
  modules.forEach((m, i) => {
    core.enqueue(
      core.newTask({
        type: 'ModuleRun',
        queue: `parallel_queue_${i % slots}`,
        module: m.name,
        trigger: task.trigger,
        doStartup: m.doStartup,
        isReloadAll: task.isReloadAll,
        parentId: task.id,
      }),
    );
  });
  queue.setBlocked(true);
  await done;
  queue.setBlocked(false);
  return { status: 'Success' };
}

export { MAIN };
