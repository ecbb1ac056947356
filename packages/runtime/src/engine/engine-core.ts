import type {
  ClusterSource,
  ConfigDocument,
  EngineState,
  EventStore,
  GlobalDefinition,
  HookDefinition,
  Logger,
  Metrics,
  ModuleDefinition,
  ObjectApplier,
} from '@converge/core';
import type { ConvergeEvent, EventOf, EventType, NewEvent } from '@converge/protocol';
import { countTaskWait } from '../operator-metrics.js';
import type { EngineHost, ModuleRuntime } from './engine-host.js';
import { EngineLog, type EventPayload } from './engine-log.js';
import type { EngineOptions } from './engine-options.js';
import { EngineQueues } from './engine-queues.js';
import { HookRateLimits } from './hook-rate-limits.js';
import { KubeBindings } from './kube-bindings.js';
import { ParallelRuns } from './parallel-runs.js';
import { ResourcesMonitor } from './resources-monitor.js';
import type { Task, TaskResult } from './task.js';
import type { QueueHost, TaskQueue } from './task-queue.js';
import { ValuesView } from './values-view.js';

export type { ModuleRuntime } from './engine-host.js';
export { type EventPayload, restoreFromStore } from './engine-log.js';
export { MAIN, parallelQueueName } from './queue-names.js';

/** What an engine does with a task, and with a change of dynamic enabled flags (engine.ts). */
export interface EngineBehaviour {
  dispatch(core: EngineCore, task: Task, queue: TaskQueue): Promise<TaskResult>;
  onDynamicEnabledChanged(core: EngineCore): void;
}

export type EngineCoreOptions = EngineOptions &
  Required<Pick<EngineOptions, 'clock' | 'random' | 'store'>> & { logger: Logger; metrics: Metrics };

/**
 * The engine's shared core, in three parts: the log and its fold (`log`: state changes only by
 * appending), the queues (`work`), and the executors (read-only ports). Task handlers read the
 * state, call executors and append events; they never mutate state directly.
 */
export class EngineCore implements QueueHost, EngineHost {
  readonly clock;
  readonly random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: EventStore;
  readonly cluster: ClusterSource & ObjectApplier;
  readonly log: EngineLog;
  readonly work: EngineQueues;
  readonly moduleDefs = new Map<string, ModuleDefinition>();
  readonly moduleRuntime = new Map<string, ModuleRuntime>();
  globalDef: GlobalDefinition = {};
  globalHooks: HookDefinition[] = [];
  readonly values: ValuesView;
  readonly kube: KubeBindings;
  readonly parallel = new ParallelRuns();
  readonly resources: ResourcesMonitor;
  readonly rateLimits: HookRateLimits;
  stopped = false;

  constructor(
    readonly options: EngineCoreOptions,
    private readonly behaviour: EngineBehaviour,
  ) {
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.store = options.store;
    this.cluster = options.cluster;
    this.log = new EngineLog(options.store, options.clock, options.snapshotEvery ?? 10_000, (e) =>
      this.invalidate(e),
    );
    this.work = new EngineQueues(this);
    this.values = new ValuesView(
      () => this.log.state,
      () => this.globalDef,
      (m) => this.moduleDefs.get(m),
    );
    this.kube = new KubeBindings(this);
    this.resources = new ResourcesMonitor(this);
    this.rateLimits = new HookRateLimits(this);
  }

  // The log and its fold -------------------------------------------------------------------------

  get state(): EngineState {
    return this.log.state;
  }

  /** Appends events to the log and folds them into the state, in order. */
  append(...events: NewEvent[]): ConvergeEvent[] {
    return this.log.append(...events);
  }

  /** Appends one event of type `type` (typed payload) and returns it as stored. */
  emit<T extends EventType>(type: T, payload: EventPayload<T>): EventOf<T> {
    return this.log.emit(type, payload);
  }

  onEvent(listener: (e: ConvergeEvent) => void): () => void {
    return this.log.onEvent(listener);
  }

  private invalidate(e: ConvergeEvent): void {
    if (e.type === 'ValuesChanged' || e.type === 'ConfigValuesChanged') this.values.invalidate(e.scope);
    else if (e.type === 'ModuleDeleted') this.values.invalidate(e.module);
  }

  config(): ConfigDocument {
    return this.state.config;
  }

  isEnabled(module: string): boolean {
    return this.state.enabled.includes(module);
  }

  get namespace(): string {
    return this.options.namespace ?? 'default';
  }

  /** A global hook changed dynamic `<module>Enabled` flags. */
  dynamicEnabledChanged(): void {
    this.behaviour.onDynamicEnabledChanged(this);
  }

  // The queues -------------------------------------------------------------------------------------

  get queues(): ReadonlyMap<string, TaskQueue> {
    return this.work.all;
  }

  get ids() {
    return this.work.ids;
  }

  queue(name: string): TaskQueue {
    return this.work.queue(name);
  }

  newTask(t: Omit<Task, 'id' | 'failureCount'>): Task {
    return this.work.newTask(t);
  }

  enqueue(task: Task): void {
    this.work.enqueue(task);
  }

  isIdle(): boolean {
    return this.work.isIdle();
  }

  /** Runs `work` while counting it as in-flight, so `settle()` waits for it. */
  track<T>(work: () => Promise<T>): Promise<T> {
    return this.work.track(work);
  }

  get inflight(): number {
    return this.work.inflight;
  }

  onActivityChange(listener: () => void): () => void {
    return this.work.onActivityChange(listener);
  }

  hasPendingModuleRun(module: string): boolean {
    return this.work.hasPendingModuleRun(module);
  }

  // QueueHost ---------------------------------------------------------------------------------

  async handle(task: Task, queue: TaskQueue): Promise<TaskResult> {
    const fields = taskLogFields(task, queue.name);
    this.logger.debug(fields, `${task.type} start`);
    const started = this.clock.now();
    countTaskWait(this.metrics, task, queue.name, started);
    const result = await this.behaviour.dispatch(this, task, queue);
    // Each ModuleRun invocation is timed (addon-operator's module-run task).
    if (task.type === 'ModuleRun' && task.module)
      this.metrics.observe(
        'module_run_seconds',
        { module: task.module },
        (this.clock.now() - started) / 1000,
      );
    if (result.status !== 'Fail') this.logger.debug({ ...fields, status: result.status }, `${task.type} end`);
    return result;
  }

  onRetry(task: Task, queue: TaskQueue, delayMs: number, result: TaskResult): void {
    this.emit('RetryScheduled', {
      queue: queue.name,
      task: task.type,
      ...(task.module ? { module: task.module } : {}),
      attempt: task.failureCount + 1,
      delayMs,
      ...(result.error ? { error: result.error } : {}),
    });
    this.logger.error(
      { ...taskLogFields(task, queue.name), count: task.failureCount, delayMs },
      `${task.type} failed, requeue task to retry after delay: ${result.error ?? ''}`,
    );
  }

  onCompacted(absorbed: Task[], queue: TaskQueue): void {
    this.metrics.inc('tasks_queue_compaction_operations_total', {
      queue_name: queue.name,
      hook: absorbed[0]?.hook ?? '',
    });
    for (const t of absorbed) {
      if (!t.sync) continue;
      this.kube.unlock(t.module, t.hook ?? '', t.sync.bindingName);
      this.emit('SynchronizationCompleted', {
        hook: t.hook ?? '',
        ...(t.module ? { module: t.module } : {}),
        bindingName: t.sync.bindingName,
        executed: false,
      });
    }
  }

  onWarn(message: string, task: Task): void {
    this.logger.warn({ queue: task.queue, 'task.id': task.id }, message);
  }

  onActivity(): void {
    this.work.notifyActivity();
  }
}

/** addon-operator's log field names for a task (addon-operator pkg/labels.go). */
export function taskLogFields(task: Task, queue: string): Record<string, unknown> {
  return {
    queue,
    'task.id': task.id,
    'event.type': task.trigger,
    ...(task.module ? { module: task.module } : {}),
    ...(task.hook ? { hook: task.hook } : {}),
    ...(task.binding ? { binding: task.binding } : {}),
  };
}
