import type { Clock, EngineState, Metrics } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { ADDON_OPERATOR_METRICS } from './metrics-catalog.js';

/** What the operator metrics read of an engine (a structural view of its core). */
export interface OperatorMetricsSource {
  readonly state: EngineState;
  readonly clock: Clock;
  onEvent(listener: (e: ConvergeEvent) => void): () => void;
  readonly queues: ReadonlyMap<string, { readonly tasks: readonly QueuedTaskView[] }>;
}

/** The objects one kubernetes binding holds (`kube_snapshot_objects`). */
export interface SnapshotCount {
  module: string;
  hook: string;
  binding: string;
  queue: string;
  kind: string;
  count: number;
}

/** The fields of a queued task the queue metrics name. */
export interface QueuedTaskView {
  type: string;
  module?: string;
  hook?: string;
  binding?: string;
}

const withActivationLabel = new Set(
  ADDON_OPERATOR_METRICS.filter((m) => m.labels.includes('activation')).map((m) => m.name),
);

/** True for the queues whose tasks a startup converge spawns (`main` and the parallel ones). */
const isConvergeQueue = (queue: string | undefined) =>
  queue === undefined || queue === 'main' || queue.startsWith('parallel_queue_');

/**
 * `sink` with addon-operator's `activation` label filled in where a use leaves it out:
 * `OperatorStartup` for work of the startup converge (before the first converge is done, in
 * `main` or a parallel queue), "" otherwise (AO `pkg/labels.go`, `event.type` of startup tasks).
 * Hook-defined metrics (`hookMetrics`) pass through untouched.
 */
export function withActivation(sink: Metrics, state: () => EngineState): Metrics {
  const activation = (labels: Record<string, string>) =>
    state().startup.value !== 'ready' && isConvergeQueue(labels.queue) ? 'OperatorStartup' : '';
  // A sink that fills a left-out label itself is given the rule: no labels are copied per use.
  const own = sink as { defaultLabel?: (name: string, value: typeof activation) => void };
  if (typeof own.defaultLabel === 'function') {
    own.defaultLabel('activation', activation);
    return sink;
  }
  const off = sink as { enabled?: boolean };
  const fill = (name: string, labels: Record<string, string>) => {
    // A sink that keeps nothing yet (OnDemandMetrics before serveEngine) needs no label.
    if (off.enabled === false || labels.activation !== undefined || !withActivationLabel.has(name))
      return labels;
    return { ...labels, activation: activation(labels) };
  };
  const wrapped: Metrics & { hookMetrics?: Metrics } = {
    inc: (name, labels, value) => sink.inc(name, fill(name, labels), value),
    set: (name, labels, value) => sink.set(name, fill(name, labels), value),
    observe: (name: string, labels: Record<string, string>, value: number, buckets?: number[]) =>
      (sink.observe as (n: string, l: Record<string, string>, v: number, b?: number[]) => void).call(
        sink,
        name,
        fill(name, labels),
        value,
        buckets,
      ),
    remove: (name, labels) => sink.remove?.(name, fill(name, labels)),
    hookMetrics: (sink as { hookMetrics?: Metrics }).hookMetrics ?? sink,
  };
  for (const extra of ['reset', 'onScrape', 'text', 'hookText', 'enable', 'registry', 'prefix'] as const) {
    const v = (sink as unknown as Record<string, unknown>)[extra];
    if (v !== undefined)
      (wrapped as unknown as Record<string, unknown>)[extra] = typeof v === 'function' ? v.bind(sink) : v;
  }
  return wrapped;
}

/** The bindings a hook counts in `binding_count` (AO `BindingsCount`: lifecycle ones, each schedule, each kubernetes binding). */
function bindingCount(hook: {
  orders: Record<string, unknown>;
  kubernetes: unknown[];
  schedule: unknown[];
}): number {
  return Object.keys(hook.orders).length + hook.kubernetes.length + hook.schedule.length;
}

const queuedAt = new WeakMap<object, number>();

/** Remembers when `task` was queued, for `task_wait_in_queue_seconds_total`. */
export function noteQueued(task: object, now: number): void {
  if (!queuedAt.has(task)) queuedAt.set(task, now);
}

/**
 * Counts the time `task` waited in `queue` before this start (`task_wait_in_queue_seconds_total`,
 * labelled as addon-operator's `pkg/task/service/metric.go`: `binding` is the task type, or the
 * binding for hook tasks; `hook` for global hook tasks and module hook runs).
 */
export function countTaskWait(metrics: Metrics, task: QueuedTaskView, queue: string, now: number): void {
  const at = queuedAt.get(task);
  if (at === undefined) return;
  const global = task.type.startsWith('GlobalHook');
  const moduleTask = ['ModuleRun', 'ModuleDelete', 'ModuleHookRun', 'ModulePurge'].includes(task.type);
  const hookRun = task.type === 'GlobalHookRun' || task.type === 'ModuleHookRun';
  metrics.inc(
    'task_wait_in_queue_seconds_total',
    {
      module: moduleTask ? (task.module ?? '') : '',
      hook: global || task.type === 'ModuleHookRun' ? (task.hook ?? '') : '',
      binding: hookRun ? (task.binding ?? '') : task.type,
      queue,
    },
    Math.max(0, now - at) / 1000,
  );
}

/**
 * Keeps addon-operator's metrics that follow from the log and the queues: `mm_module_maintenance`
 * (config) and `convergence_seconds`/`convergence_total` (addon-operator pkg/task/service/converge.go) as events arrive and, on each
 * scrape of a sink with `onScrape` (computed from what the events left, so a hook run costs
 * nothing here), `binding_count` (the last registration of each module's and the global hooks),
 * `mm_module_info` (the last enabled-state refresh), `tasks_queue_length`, `tasks_queue_head_info` and `live_ticks` (addon-operator
 * updates those every 5 s and 10 s) and `kube_snapshot_objects` from `snapshots` (shell-operator
 * sets it on every informer event). Returns the function that stops it.
 */
export function observeOperatorMetrics(
  source: OperatorMetricsSource,
  metrics: Metrics,
  snapshots: () => readonly SnapshotCount[] = () => [],
): () => void {
  const startedAt = source.clock.now();
  const modules = new Map<string, string>();
  /** The hooks of each registration (module "" for global hooks): `binding_count` at scrape time. */
  const registered = new Map<string, Extract<ConvergeEvent, { type: 'GlobalHooksRegistered' }>['hooks']>();
  /** The enabled modules of the last ModulesPlanned: `mm_module_info` at scrape time. */
  let planned: readonly string[] | undefined;
  let convergeStarted: { at: number; activation: string } | undefined;
  const off = source.onEvent((e) => {
    switch (e.type) {
      case 'EngineStarted':
        for (const m of e.modules) modules.set(m.name, m.valuesKey);
        break;
      case 'GlobalHooksRegistered':
        registered.set('', e.hooks);
        break;
      case 'ModuleHooksRegistered':
        registered.set(e.module, e.hooks);
        break;
      case 'ModulesPlanned':
        planned = e.enabled;
        break;
      case 'ConfigReceived':
        reset(metrics, 'mm_module_maintenance');
        for (const [name, key] of modules) {
          const v = (e.config as Record<string, unknown>)[`${key}Maintenance`];
          if (typeof v === 'string' && v.toLowerCase() === 'noresourcereconciliation')
            metrics.set('mm_module_maintenance', { module: name, state: 'NoResourceReconciliation' }, 1);
        }
        break;
      case 'ConvergeStarted':
        convergeStarted ??= {
          at: source.clock.now(),
          activation: e.reason === 'OperatorStartup' ? 'OperatorStartup' : '',
        };
        break;
      case 'ConvergeCompleted':
        if (convergeStarted) {
          const labels = { activation: convergeStarted.activation };
          metrics.inc('convergence_seconds', labels, (source.clock.now() - convergeStarted.at) / 1000);
          metrics.inc('convergence_total', labels);
          convergeStarted = undefined;
        }
        break;
    }
  });
  let ticks = 0;
  const scrape = () => {
    reset(metrics, 'binding_count');
    for (const [module, hooks] of registered)
      for (const h of hooks) metrics.set('binding_count', { module, hook: h.name }, bindingCount(h));
    if (planned) {
      reset(metrics, 'mm_module_info');
      const enabled = new Set(planned);
      // Every module is critical: converge has no functional modules (addon-operator pkg/task/tasks/module-run/task.go).
      for (const name of modules.keys())
        metrics.set(
          'mm_module_info',
          { module: name, enabled: String(enabled.has(name)), critical: 'true' },
          1,
        );
    }
    for (const [queue, q] of source.queues) metrics.set('tasks_queue_length', { queue }, q.tasks.length);
    reset(metrics, 'tasks_queue_head_info');
    for (const [queue, q] of source.queues) {
      const head = q.tasks[0];
      if (!head) continue;
      const module = head.type === 'ParallelModuleRun' ? '' : (head.module ?? '');
      metrics.set('tasks_queue_head_info', { queue, module, task_type: head.type, hook: head.hook ?? '' }, 1);
    }
    reset(metrics, 'kube_snapshot_objects');
    for (const { count, ...labels } of snapshots()) metrics.set('kube_snapshot_objects', labels, count);
    const due = Math.floor((source.clock.now() - startedAt) / 10_000) + 1;
    if (due > ticks) {
      metrics.inc('live_ticks', {}, due - ticks);
      ticks = due;
    }
  };
  const offScrape = (metrics as { onScrape?: (f: () => void) => () => void }).onScrape?.(scrape);
  return () => {
    off();
    offScrape?.();
  };
}

function reset(metrics: Metrics, name: string): void {
  (metrics as { reset?: (n: string) => void }).reset?.(name);
}
