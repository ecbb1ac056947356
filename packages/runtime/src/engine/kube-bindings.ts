import type { BindingContext, HookDefinition } from '@converge/core';
import type { BindingType } from '@converge/protocol';
import {
  type BindingMonitor,
  type BindingMonitorEvent,
  BindingMonitor as Monitor,
  type SnapshotItem,
} from '../cluster/index.js';
import type { EngineHost } from './engine-host.js';
import { MAIN } from './queue-names.js';
import type { Task } from './task.js';

const ownerKey = (module: string | undefined) => module ?? '';
const monitorKey = (module: string | undefined, hook: string, binding: string) =>
  `${ownerKey(module)}|${hook}|${binding}`;

/**
 * Kubernetes bindings of hooks: one monitor per binding, binding contexts with fresh
 * snapshots, Synchronization tasks, and watch events turned into queued hook tasks.
 */
export class KubeBindings {
  private readonly monitors = new Map<string, BindingMonitor>();
  private readonly syncWaiters = new Map<string, () => void>();

  constructor(private readonly core: EngineHost) {
    core.onEvent((e) => {
      if (e.type === 'SynchronizationCompleted' && e.module) this.syncWaiters.get(e.module)?.();
    });
  }

  /** All snapshots of a hook's kubernetes bindings, by binding name. */
  snapshotsOf(
    module: string | undefined,
    hook: HookDefinition,
    only?: string[],
  ): Record<string, SnapshotItem[]> {
    const out: Record<string, SnapshotItem[]> = {};
    for (const w of hook.watches) {
      if (only && !only.includes(w.name)) continue;
      out[w.name] = this.monitors.get(monitorKey(module, hook.name, w.name))?.snapshot() ?? [];
    }
    return out;
  }

  /** `[{binding, snapshots}]` for lifecycle bindings: every kube binding of the hook (shell-operator pkg/hook/binding_context/binding_context.go). */
  lifecycleContext(module: string | undefined, hook: HookDefinition, binding: BindingType): BindingContext {
    return { binding, snapshots: this.snapshotsOf(module, hook) };
  }

  /** Re-reads snapshots and Synchronization objects just before a run (shell-operator pkg/hook/controller/hook_controller.go). */
  refreshContexts(
    module: string | undefined,
    hook: HookDefinition,
    contexts: BindingContext[],
  ): BindingContext[] {
    return contexts.map((c) => {
      const watch = hook.watches.find((w) => w.name === c.binding);
      const schedule = hook.schedule.find((s) => s.name === c.binding);
      const include = watch?.includeSnapshotsFrom ?? schedule?.includeSnapshotsFrom ?? [];
      const out: BindingContext = { ...c };
      if (c.type === 'Synchronization' && watch)
        out.objects = this.monitors.get(monitorKey(module, hook.name, watch.name))?.snapshot() ?? [];
      if (include.length > 0 || c.type === 'Group') out.snapshots = this.snapshotsOf(module, hook, include);
      return out;
    });
  }

  private async startMonitor(
    module: string | undefined,
    hook: HookDefinition,
    watchIndex: number,
  ): Promise<void> {
    const watch = hook.watches[watchIndex];
    const key = monitorKey(module, hook.name, watch.name);
    if (this.monitors.has(key)) return;
    const monitor = new Monitor({
      source: this.core.cluster,
      watch,
      jq: this.core.options.jq,
      onEvent: (ev) => this.route(module, hook, watchIndex, ev),
      onError: (err) => this.core.logger.error({ module, hook: hook.name, binding: watch.name }, err.message),
    });
    this.monitors.set(key, monitor);
    try {
      await monitor.start();
    } catch (e) {
      this.monitors.delete(key);
      throw e;
    }
  }

  private syncTask(
    module: string | undefined,
    hook: HookDefinition,
    watchIndex: number,
    queue: string,
    tracked: boolean,
  ): Task {
    const w = hook.watches[watchIndex];
    const d = hook.kubernetes[watchIndex];
    return this.kubeTask(
      module,
      hook,
      watchIndex,
      queue,
      { binding: w.name, type: 'Synchronization', objects: [] },
      {
        sync: {
          bindingName: w.name,
          waitForSynchronization: d.waitForSynchronization,
          executeOnSynchronization: d.executeHookOnSynchronization,
          tracked,
        },
      },
    );
  }

  /** A ModuleHookRun/GlobalHookRun task for one kubernetes binding; a grouped binding gets a Group context. */
  private kubeTask(
    module: string | undefined,
    hook: HookDefinition,
    watchIndex: number,
    queue: string,
    context: BindingContext,
    extra: Partial<Task>,
  ): Task {
    const w = hook.watches[watchIndex];
    const d = hook.kubernetes[watchIndex];
    return this.core.newTask({
      type: module ? 'ModuleHookRun' : 'GlobalHookRun',
      queue,
      module,
      hook: hook.name,
      binding: 'kubernetes',
      bindingNames: [w.name],
      contexts: [d.group ? { binding: w.name, type: 'Group', groupName: d.group } : context],
      groups: [d.group],
      allowFailure: d.allowFailure,
      trigger: 'Kubernetes',
      ...extra,
    });
  }

  /**
   * Starts the monitors of every kube binding of the module (idempotent) and builds its
   * Synchronization tasks: those in the run's own queue become head tasks, others are appended.
   */
  async synchronizeModule(module: string, runQueue: string): Promise<{ head: Task[] } | { error: string }> {
    const rt = this.core.moduleRuntime.get(module);
    if (!rt) return { head: [] };
    const head: Task[] = [];
    const errors: string[] = [];
    const hooks = [...rt.hooks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const tasks: Task[] = [];
    const done = new Set(this.core.state.modules[module]?.context.syncDone ?? []);
    const queued = new Set<string>();
    for (const q of this.core.queues.values())
      for (const t of q.tasks)
        if (t.module === module && t.sync) queued.add(`${t.hook}/${t.sync.bindingName}`);
    for (const hook of hooks) {
      for (let i = 0; i < hook.watches.length; i++) {
        const key = `${hook.name}/${hook.watches[i].name}`;
        const d = hook.kubernetes[i];
        const awaited = d.queue === MAIN || d.waitForSynchronization;
        // Idempotent (addon-operator pkg/task/tasks/module-run/task.go): a Synchronization already done, queued, or not awaited and
        // already started is not queued again; a drained one is.
        if (done.has(key) || queued.has(key) || (!awaited && rt.monitorsStarted)) continue;
        try {
          await this.startMonitor(module, hook, i);
        } catch (e) {
          errors.push(`${key}: ${e instanceof Error ? e.message : String(e)}`);
          continue;
        }
        const queue = d.queue === MAIN ? runQueue : d.queue;
        const t = this.syncTask(module, hook, i, queue, awaited);
        if (queue === runQueue) head.push(t);
        else tasks.push(t);
      }
    }
    if (errors.length > 0) return { error: `enable kubernetes bindings: ${errors.join('; ')}` };
    rt.monitorsStarted = true;
    for (const t of tasks) this.core.enqueue(t);
    return { head };
  }

  /**
   * Starts the monitors of the module's delete hooks (beforeDeleteHelm, afterDeleteHelm) without
   * Synchronization tasks, so that a delete that no run preceded (a restart) gets its snapshots.
   * Returns an error text when a monitor cannot start.
   */
  async startDeleteMonitors(module: string): Promise<string | undefined> {
    const rt = this.core.moduleRuntime.get(module);
    if (!rt) return undefined;
    for (const hook of rt.hooks) {
      if (hook.orders.beforeDeleteHelm === undefined && hook.orders.afterDeleteHelm === undefined) continue;
      for (let i = 0; i < hook.watches.length; i++) {
        try {
          await this.startMonitor(module, hook, i);
        } catch (e) {
          return `${hook.name}/${hook.watches[i].name}: ${e instanceof Error ? e.message : String(e)}`;
        }
      }
    }
    return undefined;
  }

  /** Resolves when the module's awaited Synchronizations are all done. */
  waitForModuleSync(module: string): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        const v = this.core.state.modules[module]?.value;
        const inSync = typeof v === 'object' && 'running' in v && v.running === 'synchronization';
        if (!inSync) {
          this.syncWaiters.delete(module);
          resolve();
        }
      };
      this.syncWaiters.set(module, check);
      check();
    });
  }

  /** Starts global monitors and returns their Synchronization tasks (addon-operator pkg/task/tasks/global-hook-enable-kubernetes-bindings/task.go). */
  async synchronizeGlobal(hooks: HookDefinition[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (const hook of hooks) {
      for (let i = 0; i < hook.watches.length; i++) {
        await this.startMonitor(undefined, hook, i);
        const d = hook.kubernetes[i];
        tasks.push(this.syncTask(undefined, hook, i, d.queue, d.queue === MAIN || d.waitForSynchronization));
      }
    }
    return tasks;
  }

  unlock(module: string | undefined, hook: string, binding: string): void {
    this.monitors.get(monitorKey(module, hook, binding))?.unlock();
  }

  /** Stops every monitor of a module (delete). */
  stopModule(module: string): void {
    const prefix = `${module}|`;
    for (const [key, m] of this.monitors) {
      if (key.startsWith(prefix)) {
        m.stop();
        this.monitors.delete(key);
      }
    }
  }

  stopAll(): void {
    for (const m of this.monitors.values()) m.stop();
    this.monitors.clear();
  }

  enableSchedules(module: string): void {
    const rt = this.core.moduleRuntime.get(module);
    if (rt) rt.schedulesEnabled = true;
  }

  disableSchedules(module: string): void {
    const rt = this.core.moduleRuntime.get(module);
    if (rt) rt.schedulesEnabled = false;
  }

  /**
   * Removes the module's queued hook tasks from its named queues before a delete. addon-operator
   * empties those queues entirely (quirk Q10); converge removes only this module's tasks.
   */
  drainModuleQueues(module: string): void {
    const rt = this.core.moduleRuntime.get(module);
    if (!rt) return;
    const names = new Set<string>();
    for (const h of rt.hooks) {
      for (const k of h.kubernetes) if (k.queue !== MAIN) names.add(k.queue);
      for (const s of h.schedule) if (s.queue !== MAIN) names.add(s.queue);
    }
    for (const n of names) this.core.queues.get(n)?.removeWhere((t) => t.module === module);
  }

  /** A watch event passed the monitor: queue one hook task for it (addon-operator pkg/addon-operator/handler_manager_events.go). */
  private route(
    module: string | undefined,
    hook: HookDefinition,
    watchIndex: number,
    ev: BindingMonitorEvent,
  ): void {
    if (this.core.stopped) return;
    if (module && !this.core.isEnabled(module)) return;
    const w = hook.watches[watchIndex];
    const d = hook.kubernetes[watchIndex];
    const ref = ev.item.object?.metadata
      ? `${ev.item.object.metadata.namespace ?? ''}/${ev.item.object.kind}/${ev.item.object.metadata.name}`
      : '';
    this.core.emit('KubeEventObserved', {
      hook: hook.name,
      ...(module ? { module } : {}),
      bindingName: w.name,
      watchEvent: ev.watchEvent,
      objectRef: ref,
      queue: d.queue,
    });
    const context: BindingContext = { binding: w.name, type: 'Event', watchEvent: ev.watchEvent, ...ev.item };
    this.core.enqueue(
      this.kubeTask(module, hook, watchIndex, d.queue, context, {
        reloadAllOnValuesChanges: module === undefined,
      }),
    );
  }
}
