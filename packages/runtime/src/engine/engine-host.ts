import type {
  Clock,
  ClusterSource,
  EngineState,
  HookDefinition,
  Logger,
  Metrics,
  ObjectApplier,
  Random,
} from '@converge/core';
import type { ConvergeEvent, EventOf, EventType } from '@converge/protocol';
import type { EventPayload } from './engine-log.js';
import type { EngineOptions } from './engine-options.js';
import type { Task } from './task.js';
import type { TaskQueue } from './task-queue.js';

/** Per-module runtime facts that are not in the log (loaded hook definitions, process-side flags). */
export interface ModuleRuntime {
  hooks: HookDefinition[];
  monitorsStarted: boolean;
  schedulesEnabled: boolean;
}

/**
 * What the engine's parts (kube bindings, the resources monitor) see of it: the folded log, which
 * they change only by appending through `emit`; the queues; and the executors, read-only.
 */
export interface EngineHost {
  readonly state: EngineState;
  emit<T extends EventType>(type: T, payload: EventPayload<T>): EventOf<T>;
  onEvent(listener: (e: ConvergeEvent) => void): () => void;
  readonly queues: ReadonlyMap<string, TaskQueue>;
  newTask(t: Omit<Task, 'id' | 'failureCount'>): Task;
  enqueue(task: Task): void;
  hasPendingModuleRun(module: string): boolean;
  /** Runs `work` while counting it as in-flight (idleness waits for it). */
  track<T>(work: () => Promise<T>): Promise<T>;
  isEnabled(module: string): boolean;
  readonly stopped: boolean;
  readonly moduleRuntime: Map<string, ModuleRuntime>;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly cluster: ClusterSource & ObjectApplier;
  readonly options: Readonly<EngineOptions>;
}
