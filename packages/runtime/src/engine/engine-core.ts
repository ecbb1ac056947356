import {
  applyEvent,
  type ClusterSource,
  type ConfigDocument,
  type EngineState,
  type EventStore,
  type GlobalDefinition,
  type HookDefinition,
  initialEngineState,
  type Logger,
  type Metrics,
  type ModuleDefinition,
  type ObjectApplier,
  type PersistedEngineState,
  persistEngineState,
  replay,
  restoreEngineState,
} from '@converge/core';
import type { ConvergeEvent, EventOf, EventType, NewEvent } from '@converge/protocol';
import type { EngineOptions } from './engine-options.js';
import { IdSource } from './ids.js';
import type { KubeBindings } from './kube-bindings.js';
import { ParallelRuns } from './parallel-runs.js';
import { ResourcesMonitor } from './resources-monitor.js';
import type { Task, TaskResult } from './task.js';
import { type QueueHost, TaskQueue } from './task-queue.js';
import { ValuesView } from './values-view.js';

export const MAIN = 'main';

/** The payload of an event of type `T`: its fields without the envelope. */
export type EventPayload<T extends EventType> = Omit<EventOf<T>, 'seq' | 'at' | 'v' | 'type'>;

/** The state folded from what `store` holds: its newest snapshot, then the events after it. */
export function restoreFromStore(store: EventStore): EngineState {
  if (store.lastSeq() === 0) return initialEngineState();
  const snap = store.loadSnapshot();
  if (snap && snap.seq <= store.lastSeq()) {
    const from = { seq: snap.seq, state: restoreEngineState(snap.state as PersistedEngineState) };
    return replay(store.read(snap.seq + 1), from);
  }
  return replay(store.read(1));
}
export const parallelQueueName = (i: number) => `parallel_queue_${i}`;

/** Per-module runtime facts that are not in the log (process handles, flags). */
export interface ModuleRuntime {
  hooks: HookDefinition[];
  monitorsStarted: boolean;
  schedulesEnabled: boolean;
}

/**
 * The engine's shared core: the folded state, the log, the queues and the executors. Task
 * handlers read the state, call executors and append events; they never mutate state directly.
 */
export class EngineCore implements QueueHost {
  readonly clock;
  readonly random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly store: EventStore;
  readonly cluster: ClusterSource & ObjectApplier;
  readonly ids = new IdSource();
  readonly queues = new Map<string, TaskQueue>();
  readonly moduleDefs = new Map<string, ModuleDefinition>();
  readonly moduleRuntime = new Map<string, ModuleRuntime>();
  globalDef: GlobalDefinition = {};
  globalHooks: HookDefinition[] = [];
  readonly values: ValuesView;
  kube!: KubeBindings;
  readonly parallel = new ParallelRuns();
  readonly resources: ResourcesMonitor;
  handler!: (task: Task, queue: TaskQueue) => Promise<TaskResult>;
  private st: EngineState;
  private readonly listeners = new Set<(e: ConvergeEvent) => void>();
  private readonly activityListeners = new Set<() => void>();
  /** Called when a global hook changed a dynamic `<module>Enabled` flag. */
  onDynamicEnabledChanged?: () => void;
  /** Async work outside queue handlers (event routing, config reloads) still in flight. */
  inflight = 0;
  stopped = false;

  constructor(
    readonly options: EngineOptions &
      Required<Pick<EngineOptions, 'clock' | 'random' | 'store'>> & {
        logger: Logger;
        metrics: Metrics;
      },
  ) {
    this.clock = options.clock;
    this.random = options.random;
    this.logger = options.logger;
    this.metrics = options.metrics;
    this.store = options.store;
    this.st = restoreFromStore(options.store);
    this.cluster = options.cluster;
    this.resources = new ResourcesMonitor(this);
    this.values = new ValuesView(
      () => this.st,
      () => this.globalDef,
      (m) => this.moduleDefs.get(m),
    );
  }

  get state(): EngineState {
    return this.st;
  }

  get namespace(): string {
    return this.options.namespace ?? 'default';
  }

  private atMs = Number.NaN;
  private atIso = '';

  /** Appends events to the log and folds them into the state, in order. */
  append(...events: NewEvent[]): ConvergeEvent[] {
    const now = this.clock.now();
    if (now !== this.atMs) {
      this.atMs = now;
      this.atIso = new Date(now).toISOString();
    }
    for (const e of events) (e as NewEvent & { at: string }).at = this.atIso;
    const stored = this.store.append(events as (NewEvent & { at: string })[]);
    for (const e of stored) {
      applyEvent(this.st, e);
      switch (e.type) {
        case 'ValuesChanged':
        case 'ConfigValuesChanged':
          this.values.invalidate(e.scope);
          break;
        case 'ModuleDeleted':
          this.values.invalidate(e.module);
          break;
      }
      for (const l of this.listeners) l(e);
    }
    const every = this.options.snapshotEvery ?? 10_000;
    const last = stored.at(-1);
    if (every > 0 && last && Math.floor(last.seq / every) > Math.floor((last.seq - stored.length) / every))
      this.store.saveSnapshot({ seq: this.st.seq, state: persistEngineState(this.st) });
    return stored;
  }

  /** Appends one event of type `type` (typed payload) and returns it as stored. */
  emit<T extends EventType>(type: T, payload: EventPayload<T>): EventOf<T> {
    return this.append({ type, ...payload } as unknown as NewEvent)[0] as EventOf<T>;
  }

  onEvent(listener: (e: ConvergeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  queue(name: string): TaskQueue {
    let q = this.queues.get(name);
    if (!q) {
      q = new TaskQueue(name, this);
      this.queues.set(name, q);
    }
    return q;
  }

  newTask(t: Omit<Task, 'id' | 'failureCount'>): Task {
    return { ...t, id: this.ids.next(t.type), failureCount: 0 };
  }

  enqueue(task: Task): void {
    this.queue(task.queue).addLast(task);
  }

  // QueueHost ---------------------------------------------------------------------------------

  async handle(task: Task, queue: TaskQueue): Promise<TaskResult> {
    const fields = taskLogFields(task, queue.name);
    this.logger.debug(fields, `${task.type} start`);
    const result = await this.handler(task, queue);
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
    for (const l of this.activityListeners) l();
  }

  onActivityChange(listener: () => void): () => void {
    this.activityListeners.add(listener);
    return () => this.activityListeners.delete(listener);
  }

  /** No task runnable, no handler busy, no async routing in flight. */
  isIdle(): boolean {
    if (this.inflight > 0) return false;
    for (const q of this.queues.values()) if (!q.idle) return false;
    return true;
  }

  /** Runs `work` while counting it as in-flight, so `settle()` waits for it. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inflight++;
    try {
      return await work();
    } finally {
      this.inflight--;
      this.onActivity();
    }
  }

  config(): ConfigDocument {
    return this.st.config;
  }

  isEnabled(module: string): boolean {
    return this.st.enabled.includes(module);
  }

  /** True when `main` (other than its head) holds a ModuleRun for `module` (AO §4.14 step 8). */
  hasPendingModuleRun(module: string): boolean {
    const main = this.queue(MAIN);
    return main.tasks.some(
      (t, i) =>
        (i > 0 || t !== main.running) &&
        ((t.type === 'ModuleRun' && t.module === module) ||
          (t.type === 'ParallelModuleRun' && t.parallel?.modules.some((m) => m.name === module))),
    );
  }
}

/** addon-operator's log field names for a task (AO §13.3). */
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
