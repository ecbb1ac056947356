import type { BindingContext } from '@converge/core';
import type { BindingType, ConvergeReason } from '@converge/protocol';

/** Task types of addon-operator pkg/task/tasks/ that converge models. */
export type TaskType =
  | 'GlobalHookRun'
  | 'GlobalHookEnableKubernetesBindings'
  | 'GlobalHookWaitKubernetesSynchronization'
  | 'ConvergeModules'
  | 'ModuleRun'
  | 'ModuleEnsureCRDs'
  | 'ParallelModuleRun'
  | 'ModuleDelete'
  | 'ModuleHookRun'
  | 'ApplyKubeConfigValues'
  | 'DiscoverHelmReleases'
  | 'ModulePurge';

/** Synchronization metadata of a kubernetes Synchronization task (addon-operator pkg/task/tasks/global-hook-enable-kubernetes-bindings/task.go, addon-operator pkg/task/tasks/module-run/task.go). */
export interface SyncInfo {
  bindingName: string;
  waitForSynchronization: boolean;
  executeOnSynchronization: boolean;
  /** Whether the owner (startup or the module run) waits for this task. */
  tracked: boolean;
}

/** One unit of queued work. Phase state lives outside tasks, in the folded engine state. */
export interface Task {
  id: string;
  type: TaskType;
  queue: string;
  /** Human trigger (AO Appendix B), e.g. `Kubernetes`, `AfterHelm-Hooks-Change-Values`. */
  trigger: string;
  module?: string;
  hook?: string;
  binding?: BindingType;
  bindingNames?: string[];
  contexts?: BindingContext[];
  /** Group of each context (same length as contexts), for combining. */
  groups?: (string | undefined)[];
  allowFailure?: boolean;
  sync?: SyncInfo;
  doStartup?: boolean;
  isReloadAll?: boolean;
  convergeReason?: ConvergeReason;
  /** For global hook event tasks: a global values change triggers a converge. */
  reloadAllOnValuesChanges?: boolean;
  /** For ParallelModuleRun: the modules and whether each runs startup. */
  parallel?: { modules: { name: string; doStartup: boolean }[] };
  /** For child ModuleRuns of a ParallelModuleRun. */
  parentId?: string;
  failureCount: number;
  lastError?: string;
}

export type TaskStatus = 'Success' | 'Fail' | 'Repeat' | 'Keep';

/** A handler's result, applied per shell-operator pkg/task/queue/task_result.go. */
export interface TaskResult {
  status: TaskStatus;
  head?: Task[];
  after?: Task[];
  tail?: Task[];
  /** Overrides the computed delay before the next task. */
  delayMs?: number;
  error?: string;
  /** Module and phase for RetryScheduled / logs. */
  module?: string;
}

/** A readable one-line description of a task for logs and errors. */
export function describeTask(t: Task): string {
  const parts: string[] = [t.type, t.queue];
  if (t.module) parts.push(t.module);
  if (t.hook) parts.push(`${t.binding ?? ''}:${t.hook}`);
  return parts.join(':');
}
