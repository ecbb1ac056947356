/** One of addon-operator's own metrics: its name without the prefix, type, label names and help. */
export interface MetricSpec {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram';
  labels: readonly string[];
  help: string;
  buckets?: readonly number[];
}

/** addon-operator's timing buckets, 0 to 10 s (`pkg/metrics/metrics.go` buckets_1msTo10s). */
export const TIMING_BUCKETS = [0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10] as const;

const moduleHook = ['module', 'hook', 'binding', 'queue', 'activation'] as const;
const globalHook = ['hook', 'binding', 'queue', 'activation'] as const;
const timing = TIMING_BUCKETS;

/**
 * The addon-operator metrics converge produces, with the names, types and label names of
 * addon-operator's `pkg/metrics/metrics.go` (and shell-operator's queue metrics). Each is
 * registered up front, so a scrape shows every family with exactly these labels; the ones
 * converge cannot produce are listed in docs/compatibility.md.
 */
export const ADDON_OPERATOR_METRICS: readonly MetricSpec[] = [
  {
    name: 'binding_count',
    kind: 'gauge',
    labels: ['module', 'hook'],
    help: 'Number of bindings per module and hook',
  },
  {
    name: 'config_values_errors_total',
    kind: 'counter',
    labels: [],
    help: 'Counter of ConfigMap validation errors',
  },
  {
    name: 'modules_discover_errors_total',
    kind: 'counter',
    labels: [],
    help: 'Counter of errors during module discovery',
  },
  {
    name: 'module_delete_errors_total',
    kind: 'counter',
    labels: ['module'],
    help: 'Counter of errors during module deletion',
  },
  {
    name: 'module_run_seconds',
    kind: 'histogram',
    labels: ['module', 'activation'],
    buckets: timing,
    help: 'Histogram of module execution times in seconds',
  },
  {
    name: 'module_run_errors_total',
    kind: 'counter',
    labels: ['module'],
    help: 'Counter of module execution errors',
  },
  {
    name: 'modules_helm_release_redeployed_total',
    kind: 'counter',
    labels: ['module'],
    help: 'Counter of Helm release redeployments per module',
  },
  {
    name: 'modules_absent_resources_total',
    kind: 'counter',
    labels: ['module', 'resource'],
    help: 'Counter of absent resources per module and resource',
  },
  {
    name: 'mm_module_info',
    kind: 'gauge',
    labels: ['module', 'enabled', 'critical'],
    help: 'Module information: enabled and critical',
  },
  {
    name: 'mm_module_maintenance',
    kind: 'gauge',
    labels: ['module', 'state'],
    help: 'Modules in maintenance state',
  },
  {
    name: 'module_hook_run_seconds',
    kind: 'histogram',
    labels: moduleHook,
    buckets: timing,
    help: 'Histogram of module hook execution times in seconds',
  },
  {
    name: 'module_hook_allowed_errors_total',
    kind: 'counter',
    labels: moduleHook,
    help: 'Counter of module hook execution errors that are allowed to fail (allowFailure: true)',
  },
  {
    name: 'module_hook_errors_total',
    kind: 'counter',
    labels: moduleHook,
    help: 'Counter of module hook execution errors (allowFailure: false)',
  },
  {
    name: 'module_hook_success_total',
    kind: 'counter',
    labels: moduleHook,
    help: 'Counter of successful module hook executions',
  },
  {
    name: 'global_hook_run_seconds',
    kind: 'histogram',
    labels: globalHook,
    buckets: timing,
    help: 'Histogram of global hook execution times in seconds',
  },
  {
    name: 'global_hook_allowed_errors_total',
    kind: 'counter',
    labels: globalHook,
    help: 'Counter of global hook execution errors that are allowed to fail (allowFailure: true)',
  },
  {
    name: 'global_hook_errors_total',
    kind: 'counter',
    labels: globalHook,
    help: 'Counter of global hook execution errors (allowFailure: false)',
  },
  {
    name: 'global_hook_success_total',
    kind: 'counter',
    labels: globalHook,
    help: 'Counter of successful global hook executions',
  },
  {
    name: 'convergence_seconds',
    kind: 'counter',
    labels: ['activation'],
    help: 'Counter of convergence duration in seconds',
  },
  {
    name: 'convergence_total',
    kind: 'counter',
    labels: ['activation'],
    help: 'Counter of convergence executions',
  },
  {
    name: 'module_helm_seconds',
    kind: 'histogram',
    labels: ['module', 'activation'],
    buckets: timing,
    help: 'Histogram of Helm operation times for modules in seconds',
  },
  {
    name: 'helm_operation_seconds',
    kind: 'histogram',
    labels: ['module', 'activation', 'operation'],
    buckets: timing,
    help: 'Histogram of specific Helm operation durations in seconds',
  },
  {
    name: 'task_wait_in_queue_seconds_total',
    kind: 'counter',
    labels: ['module', 'hook', 'binding', 'queue'],
    help: 'Counter of seconds that tasks waited in queue before execution',
  },
  {
    name: 'tasks_queue_length',
    kind: 'gauge',
    labels: ['queue'],
    help: 'Gauge showing the length of the task queue',
  },
  {
    name: 'tasks_queue_head_info',
    kind: 'gauge',
    labels: ['queue', 'module', 'task_type', 'hook'],
    help: 'Head info of each non-empty task queue (module, task_type, hook)',
  },
  {
    name: 'kube_snapshot_objects',
    kind: 'gauge',
    labels: ['module', 'hook', 'binding', 'queue', 'kind'],
    help: 'Number of objects in the snapshot of a kubernetes binding',
  },
  {
    name: 'live_ticks',
    kind: 'counter',
    labels: [],
    help: 'Counter that increases every 10 seconds to indicate addon-operator is alive',
  },
  {
    name: 'tasks_queue_compaction_operations_total',
    kind: 'counter',
    labels: ['queue_name', 'hook'],
    help: 'Counter of task queue compaction operations',
  },
];
