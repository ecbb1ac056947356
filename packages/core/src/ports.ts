/**
 * Ports: the interfaces through which the pure core reaches the world. The runtime and the
 * executor packages implement them; tests inject fakes. One line each on methods and failure mode.
 */
import type {
  ConvergeEvent,
  HookDescriptor,
  JsonPatchOperation,
  KubeObject,
  MetricOperation,
  NewEvent,
  ObjectPatchOperationShape,
  ObjectRef,
  ResourceSelector,
  WatchEvent,
} from '@converge/protocol';

export type Unsubscribe = () => void;
export type Values = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Time, randomness, logs, metrics

/** A timer that can be cancelled before it fires. */
export interface TimerHandle {
  cancel(): void;
}

/** Engine time in epoch milliseconds and one-shot timers. Never throws. */
export interface Clock {
  now(): number;
  setTimer(delayMs: number, fire: () => void): TimerHandle;
}

/** Uniform numbers in [0, 1), e.g. backoff jitter. Seedable in tests. Never throws. */
export interface Random {
  next(): number;
}

/** Structured logger with pino's call shape (`obj, msg`). Never throws. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: object): Logger;
}

/** Prometheus-style sink; names follow addon-operator pkg/metrics/metrics.go without the prefix. Never throws. */
export interface Metrics {
  inc(name: string, labels: Record<string, string>, value?: number): void;
  set(name: string, labels: Record<string, string>, value: number): void;
  observe(name: string, labels: Record<string, string>, value: number): void;
  /** Drops the series of `name` with exactly `labels`, if any (hook metric groups, shell-operator pkg/hook/operation.go). */
  remove?(name: string, labels: Record<string, string>): void;
}

// ---------------------------------------------------------------------------------------------
// Event store

/** A stored snapshot of folded state at `seq`. */
export interface StoredSnapshot<S = unknown> {
  seq: number;
  state: S;
}

/**
 * Append-only event log. `append` assigns gap-free 1-based seqs synchronously; `read` returns
 * events with seq >= fromSeq; a torn or corrupt record makes reads throw StoreCorruptionError.
 */
export interface EventStore {
  append(events: readonly (NewEvent & { at: string })[]): ConvergeEvent[];
  read(fromSeq?: number): ConvergeEvent[];
  /** The seq of the last appended event (0 when empty). */
  lastSeq(): number;
  /** Calls `listener` for every event appended from now on, in order. */
  subscribe(listener: (event: ConvergeEvent) => void): Unsubscribe;
  saveSnapshot(snapshot: StoredSnapshot): void;
  /** The newest snapshot, if any. */
  loadSnapshot(): StoredSnapshot | undefined;
  /** Resolves when everything appended is durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
  /**
   * Durable JSON records kept beside the log in the same store (the embedded cluster's objects
   * and releases, the process groups of running hooks). Absent on stores that keep none.
   */
  readonly records?: StoreRecords;
}

/**
 * Named JSON records beside a log. `put` replaces the record and is durable when `flush()` of
 * the store resolves; `get` returns a copy, or undefined for a missing key.
 */
export interface StoreRecords {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  delete(key: string): void;
  /** Keys that start with `prefix`, sorted. */
  keys(prefix?: string): string[];
}

// ---------------------------------------------------------------------------------------------
// Cluster

/** Read side of a cluster: list and watch objects. list rejects on API errors. */
export interface ClusterSource {
  list(selector: ResourceSelector): Promise<KubeObject[]>;
  /** Streams changes after the list; `onEvent` is called in resourceVersion order. */
  watch(selector: ResourceSelector, onEvent: (event: WatchEvent) => void): Unsubscribe;
}

/** One object-patch operation (shell-operator pkg/kube/object_patch/patch.go): the type of protocol's `objectPatchOperationSchema`. */
export type ObjectPatchOperation = ObjectPatchOperationShape;

/** Write side of a cluster. Rejects with the API error; earlier operations are not rolled back. */
export interface ObjectApplier {
  apply(operations: readonly ObjectPatchOperation[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Config

/** The test kit's config shape: `{ global: {...}, myModule: {...}, myModuleEnabled: false }`. */
export type ConfigDocument = Record<string, unknown>;

/** Source of user config (ConfigMap equivalent). `load` rejects when the config is invalid. */
export interface ConfigSource {
  load(): Promise<ConfigDocument>;
  /** `onInvalid` is told when a new version cannot be parsed; the last valid config stays in force. */
  watch(onChange: (config: ConfigDocument) => void, onInvalid?: (error: Error) => void): Unsubscribe;
  /** Persists a section written by a hook's config patch (`global` or a values key). */
  save(section: string, values: Values | undefined): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Hooks

/** Which hook, of which module (absent for global hooks). */
export interface HookRef {
  module?: string;
  name: string;
}

/** Full definition of a registered hook: its descriptor plus kubernetes binding selectors. */
export interface HookDefinition extends HookDescriptor {
  /** Per kubernetes binding (same order as `kubernetes`): what to watch and how to filter. */
  watches: HookWatch[];
  /** Config version; v0 hooks skip Synchronization and get v0 binding contexts. */
  configVersion: 'v0' | 'v1';
  /** `settings.executionMinInterval` / `executionBurst`: the hook's rate limit (none when absent). */
  settings?: { executionMinIntervalMs: number; executionBurst: number };
  /** In-process hooks only: schedule runs before the first converge is done (Go hooks' EnableSchedulesOnStartup). */
  enableSchedulesOnStartup?: boolean;
}

export interface HookWatch {
  name: string;
  selector: ResourceSelector;
  executeHookOnEvent: ('Added' | 'Modified' | 'Deleted')[];
  keepFullObjectsInMemory: boolean;
  includeSnapshotsFrom: string[];
  /** jq expression applied to each object (shell-operator pkg/filter/jq/apply.go). */
  jqFilter?: string;
  /**
   * In-code filter; its result becomes filterResult, kept as JSON text (a value JSON cannot hold,
   * such as a Date or an `undefined` member, comes back as `JSON.stringify` writes it).
   */
  filter?: (object: KubeObject) => unknown;
}

/** The part of AbortSignal the core names (core has no DOM or node types). */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * Per-call options of an executor method. Aborting `signal` means the engine is stopping: the
 * executor ends its process group (SIGTERM, SIGKILL 5 s later) and rejects or fails the call.
 */
export interface ExecutorCallOptions {
  signal?: AbortSignalLike;
}

export type BindingContext = Record<string, unknown> & { binding: string };

export interface HookRunRequest {
  hook: HookRef;
  binding: string;
  bindingContexts: BindingContext[];
  /** `{global, <valuesKey>}` for module hooks, `{global}` for global hooks. */
  values: Values;
  configValues: Values;
  timeoutMs: number;
  /** Aborted when the engine stops: the hook process group is ended and the run fails "aborted". */
  signal?: AbortSignalLike;
}

/** One metric operation (shell-operator pkg/hook/operation.go): the type of protocol's `metricOperationSchema`. */
export type HookMetricOperation = MetricOperation;

export type HookRunResult =
  | {
      ok: true;
      valuesPatch: JsonPatchOperation[];
      configValuesPatch: JsonPatchOperation[];
      objectPatches: ObjectPatchOperation[];
      metrics: HookMetricOperation[];
    }
  | {
      ok: false;
      error: string;
      /**
       * Outputs applied despite the failure, as addon-operator does for a failed Go hook
       * (pkg/module_manager/models/hooks/kind/gohook.go): the metrics it collected and its
       * `/status` patches marked ignoreHookError. Only in-process hooks give them.
       */
      metrics?: HookMetricOperation[];
      objectPatches?: ObjectPatchOperation[];
    };

/**
 * Discovers and runs hooks. `globalHooks`/`moduleHooks` reject with HookConfigError on a bad
 * config; `run` resolves with `{ok:false}` for a failed run and rejects only on engine bugs.
 */
export interface HookRunner {
  globalHooks(options?: ExecutorCallOptions): Promise<HookDefinition[]>;
  moduleHooks(module: string, options?: ExecutorCallOptions): Promise<HookDefinition[]>;
  run(request: HookRunRequest): Promise<HookRunResult>;
}

// ---------------------------------------------------------------------------------------------
// Modules

/** A module as its source describes it (addon-operator layout or code). */
export interface ModuleDefinition {
  name: string;
  order: number;
  /** Static values (the module's section of values.yaml files), without the values key. */
  staticValues?: Values;
  /** `<valuesKey>Enabled` from the modules root values.yaml (Static extender). */
  staticEnabled?: boolean;
  /**
   * `<valuesKey>Enabled` as the module's own values.yaml sets it: it enables nothing (as in
   * addon-operator), and is kept only to say so when the module is left disabled.
   */
  ownValuesEnabled?: unknown;
  /** Whether the module has a Helm chart (Chart.yaml or templates/). */
  hasChart: boolean;
  /** Whether the module has an `enabled` script (ScriptEnabled extender). */
  hasEnabledScript?: boolean;
  /** CRDs applied before the module's first run after enablement (addon-operator pkg/task/tasks/module-ensure-crds/task.go). */
  crds?: KubeObject[];
  /** Schema checks; each returns an error message or undefined. */
  validateConfigValues?(values: Values): string | undefined;
  validateValues?(values: Values): string | undefined;
  /** Receives the chart's values document `{ global, <valuesKey> }` (addon-operator pkg/values/validation/schemas.go helm schema). */
  validateHelmValues?(values: Values): string | undefined;
  /** Applies schema defaults (config-values schema, then values schema) to a copy. */
  configDefaults?(values: Values): Values;
  valuesDefaults?(values: Values): Values;
}

export interface GlobalDefinition {
  staticValues?: Values;
  validateConfigValues?(values: Values): string | undefined;
  validateValues?(values: Values): string | undefined;
  configDefaults?(values: Values): Values;
  valuesDefaults?(values: Values): Values;
}

export interface EnabledScriptInput {
  values: Values;
  configValues: Values;
}

/** Loads module definitions and runs `enabled` scripts; rejects with the script's error. */
export interface ModuleSource {
  global(): Promise<GlobalDefinition>;
  modules(): Promise<ModuleDefinition[]>;
  runEnabledScript(
    module: string,
    input: EnabledScriptInput,
    options?: ExecutorCallOptions,
  ): Promise<{ enabled: boolean; reason?: string }>;
}

// ---------------------------------------------------------------------------------------------
// Helm

export interface ReleaseInfo {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  /** The `moduleChecksum` release label. */
  checksum?: string;
  labels?: Record<string, string>;
  /**
   * False for a foreign release: one that carries neither converge's owner label nor
   * addon-operator's marks (docs/compatibility.md). The engine never uninstalls it. Absent = owned.
   */
  owned?: boolean;
}

export interface RenderResult {
  manifest: string;
  /** MD5 hex of the rendered manifest text (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)). */
  checksum: string;
  objects: KubeObject[];
}

/**
 * Helm releases. `status` resolves undefined for a missing release; every method rejects with
 * helm's error text on failure (the engine records HelmOperationFailed and retries), and once
 * the call's `signal` is aborted (the engine stops: the helm process group is ended).
 */
export interface ReleaseExecutor {
  status(release: string, options?: ExecutorCallOptions): Promise<ReleaseInfo | undefined>;
  /**
   * Release names in the namespace, sorted, without the ignored one (addon-operator's
   * HELM_IGNORE_RELEASE); foreign ones included: `status(name).owned` tells them apart.
   */
  list(options?: ExecutorCallOptions): Promise<string[]>;
  render(module: string, chartValues: Values, options?: ExecutorCallOptions): Promise<RenderResult>;
  upgrade(
    module: string,
    chartValues: Values,
    options: {
      checksum: string;
      labels: Record<string, string>;
      rendered?: RenderResult;
    } & ExecutorCallOptions,
  ): Promise<ReleaseInfo>;
  uninstall(release: string, options?: ExecutorCallOptions): Promise<void>;
  /** Objects of the release's manifest missing from the cluster (addon-operator pkg/helm_resources_manager/). */
  absentResources(
    release: string,
    rendered: RenderResult,
    options?: ExecutorCallOptions,
  ): Promise<ObjectRef[]>;
}
