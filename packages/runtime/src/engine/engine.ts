import {
  type ConfigDocument,
  type EngineState,
  type HookDefinition,
  type TimerHandle,
  valuesKey,
} from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { defer, distinctUntilChanged, map, type Observable, Subject, startWith } from 'rxjs';
import { SystemClock, systemRandom } from '../clock.js';
import { silentLogger } from '../logger.js';
import { OnDemandMetrics } from '../metrics.js';
import { observeOperatorMetrics, withActivation } from '../operator-metrics.js';
import { MemoryEventStore } from '../store/index.js';
import { SealableStore } from '../store/sealable-store.js';
import { observeTraces } from '../tracing.js';
import {
  configSections,
  handleApplyConfig,
  handleDiscoverReleases,
  handleModulePurge,
  onConfigChanged,
  onDynamicEnabledChanged,
} from './config-handlers.js';
import { convergeTask, handleConverge, handleEnsureCrds, isConvergeTask } from './converge-handler.js';
import { endCrashLeftovers } from './crash-leftovers.js';
import { EngineCore, MAIN } from './engine-core.js';
import type { EngineOptions } from './engine-options.js';
import { handleGlobalStartupHook, handleHookTask } from './hook-task-handlers.js';
import { kubeSnapshotCounts } from './kube-snapshot-metrics.js';
import { handleModuleDelete, handleModuleRun, handleParallelModuleRun } from './module-handlers.js';
import { Schedules } from './schedules.js';
import { withStopSignal } from './stop-signal.js';
import { DEFAULT_STOP_GRACE_MS, Deadline, drainRunningWork } from './stop-wait.js';
import type { Task, TaskResult } from './task.js';
import type { TaskQueue } from './task-queue.js';

/** The running engine: start it, watch its log, settle it, stop it. */
export interface Engine {
  /** Startup and the first converge are queued; rejects on a bad global hook config or initial config. */
  start(): Promise<void>;
  /**
   * Takes no new task (every queue), gives the running ones `graceMs` (default 30 s) to end, then
   * aborts them: their hook, `enabled` script and helm process groups get SIGTERM, SIGKILL 5 s
   * later. Appends `EngineStopped` as the run's last event (nothing is appended after it), ends
   * every timer and watcher, and resolves once the aborted work is gone and the store is flushed.
   * A second call while stopping may shorten the grace (`graceMs: 0` aborts at once).
   */
  stop(options?: StopOptions): Promise<void>;
  readonly state: EngineState;
  /**
   * The events the store holds, in seq order: every event of the log (earlier runs on the same
   * store included), or the retained tail of a bounded store. Read from the store on each access.
   */
  readonly events: readonly ConvergeEvent[];
  /**
   * The engine's one event API: every event appended from now on, as an rxjs stream, delivered
   * synchronously as it is appended (completes on stop).
   */
  readonly events$: Observable<ConvergeEvent>;
  /**
   * The engine's idleness (`isIdle()`): the current value on subscribe, then `true` whenever the
   * engine becomes idle and `false` when work starts (distinct). Completes on stop.
   */
  readonly idle$: Observable<boolean>;
  /** Emits whenever a queue's tasks or running task change (what `idle$` and queue views follow). */
  readonly activity$: Observable<void>;
  /** True when no task is runnable and nothing is in flight (timers may be pending). */
  isIdle(): boolean;
  /** Delivers a new config document (what a ConfigSource watch does). */
  applyConfig(config: ConfigDocument): void;
  /** Fires a schedule tick for `crontab` now. */
  fireSchedule(crontab: string): void;
  /** Readiness and converge status as addon-operator's `/readyz` and `/status/converge` report them (addon-operator pkg/task/service/converge.go). */
  status(): EngineStatus;
  /** Queue contents, head first, for inspection. */
  queues(): Record<string, { running?: string; tasks: string[]; sleepingUntil?: number }>;
  readonly core: EngineCore;
}

export interface StopOptions {
  /** How long running tasks may go on before they are aborted (default 30_000, as addon-operator). */
  graceMs?: number;
}

export interface EngineStatus {
  /** True once the first converge is done (`/readyz` 200). */
  ready: boolean;
  /** `STARTUP_CONVERGE_NOT_STARTED`, `STARTUP_CONVERGE_IN_PROGRESS`, `STARTUP_CONVERGE_DONE`, `CONVERGE_IN_PROGRESS` or `CONVERGE_WAIT_TASK`. */
  converge: string;
  /** Converge tasks queued in `main`. */
  tasks: number;
}

/** Runs one task with its handler (addon-operator pkg/task/tasks/'s task types). */
async function dispatch(core: EngineCore, task: Task, queue: TaskQueue): Promise<TaskResult> {
  switch (task.type) {
    case 'ConvergeModules':
      return handleConverge(core, task, queue);
    case 'ModuleRun':
      return handleModuleRun(core, task, queue);
    case 'ModuleDelete':
      return handleModuleDelete(core, task, queue);
    case 'ParallelModuleRun':
      return handleParallelModuleRun(core, task, queue);
    case 'GlobalHookRun':
      return task.binding === 'onStartup'
        ? handleGlobalStartupHook(core, task, queue)
        : handleHookTask(core, task, queue);
    case 'ModuleHookRun':
      return handleHookTask(core, task, queue);
    case 'ApplyKubeConfigValues':
      return handleApplyConfig(core, task);
    case 'DiscoverHelmReleases':
      return handleDiscoverReleases(core, task);
    case 'ModulePurge':
      return handleModulePurge(core, task);
    case 'ModuleEnsureCRDs':
      return handleEnsureCrds(core, task);
    case 'GlobalHookEnableKubernetesBindings': {
      const hook = core.globalHooks.find((h) => h.name === task.hook);
      if (!hook) return { status: 'Success' };
      try {
        const syncs = await core.kube.synchronizeGlobal([hook]);
        const head = syncs.filter((t) => t.queue === MAIN);
        for (const t of syncs) if (t.queue !== MAIN) core.enqueue(t);
        return { status: 'Success', head };
      } catch (e) {
        core.metrics.inc('global_hook_errors_total', {
          hook: hook.name,
          binding: 'GlobalEnableKubernetesBindings',
          queue: MAIN,
          activation: 'OperatorStartup',
        });
        return { status: 'Fail', error: e instanceof Error ? e.message : String(e) };
      }
    }
    case 'GlobalHookWaitKubernetesSynchronization': {
      if (core.state.startup.value !== 'synchronization') return { status: 'Success' };
      queue.setBlocked(true);
      await new Promise<void>((resolve) => {
        const off = core.onEvent(() => {
          if (core.state.startup.value !== 'synchronization') {
            off();
            resolve();
          }
        });
      });
      return { status: 'Success' };
    }
  }
}

const crontabsOf = (hooks: HookDefinition[]) => hooks.flatMap((h) => h.schedule.map((s) => s.crontab));

/**
 * Creates an engine over injected executors (README.md "Embed the engine"): the log is the source of truth, the
 * state is its fold, and every effect goes through an executor.
 */
export function createEngine(options: EngineOptions): Engine {
  const logger = options.logger ?? silentLogger;
  const store = new SealableStore(
    options.store ?? new MemoryEventStore(),
    (refused) =>
      logger.debug(
        { events: refused.map((e) => e.type) },
        'engine stopped: not appending events after EngineStopped',
      ),
    // Another writer took the log over: this engine writes nothing more and stops at once.
    // Executors check the stop signal before they start a process: nothing new runs from here on.
    (error) => {
      stopSignal.abort();
      logger.error({ err: error.message }, 'the event log was taken over by another writer: stopping');
      void engine.stop({ graceMs: 0 });
    },
  );
  const stopSignal = new AbortController();
  const core: EngineCore = new EngineCore(
    {
      ...options,
      ...withStopSignal(options, stopSignal.signal),
      clock: options.clock ?? new SystemClock(),
      random: options.random ?? systemRandom,
      store,
      logger,
      // addon-operator's metrics once serveEngine enables them (nothing is kept before).
      metrics: withActivation(options.metrics ?? new OnDemandMetrics(), (): EngineState => core.state),
    },
    { dispatch, onDynamicEnabledChanged },
  );
  const schedules = new Schedules(core);
  observeOperatorMetrics(core, core.metrics, () => kubeSnapshotCounts(core));
  // Spans from the event stream, no-op unless the embedder registered an OpenTelemetry SDK.
  observeTraces(core);
  core.onEvent((e) => {
    if (e.type === 'ModuleHooksRegistered') {
      const hooks = core.moduleRuntime.get(e.module)?.hooks ?? [];
      schedules.ensure(crontabsOf(hooks));
    }
  });
  let unwatchConfig: (() => void) | undefined;
  let stopping: Promise<void> | undefined;
  let grace: Deadline | undefined;
  const eventSubject = new Subject<ConvergeEvent>();
  core.onEvent((e) => eventSubject.next(e));
  const activity = new Subject<void>();
  core.onActivityChange(() => activity.next());
  // Each subscriber starts from the idleness at its subscription, not at the engine's creation.
  const idle$ = defer(() =>
    activity.pipe(
      map(() => core.isIdle()),
      startWith(core.isIdle()),
      distinctUntilChanged(),
    ),
  );

  const engine: Engine = {
    core,
    get state() {
      return core.state;
    },
    get events() {
      return store.read();
    },
    events$: eventSubject.asObservable(),
    idle$,
    activity$: activity.asObservable(),
    isIdle: () => core.isIdle(),
    applyConfig: (config) => onConfigChanged(core, config),
    fireSchedule: (crontab) => schedules.fire(crontab),
    status() {
      const tasks = core.queue(MAIN).tasks.filter(isConvergeTask).length;
      const ready = core.state.startup.value === 'ready';
      const started = core.state.startup.value === 'converging' || ready;
      const converge = !started
        ? 'STARTUP_CONVERGE_NOT_STARTED'
        : !ready
          ? 'STARTUP_CONVERGE_IN_PROGRESS'
          : tasks > 0 || core.state.converge.value !== 'standBy'
            ? 'CONVERGE_IN_PROGRESS'
            : 'CONVERGE_WAIT_TASK';
      return { ready, converge, tasks };
    },
    queues() {
      const out: Record<string, { running?: string; tasks: string[]; sleepingUntil?: number }> = {};
      for (const [name, q] of core.queues) {
        out[name] = {
          ...(q.running ? { running: q.running.id } : {}),
          tasks: q.tasks.map(
            (t) => `${t.type}${t.module ? `:${t.module}` : ''}${t.hook ? `:${t.hook}` : ''}`,
          ),
          ...(q.sleepDeadline !== undefined ? { sleepingUntil: q.sleepDeadline } : {}),
        };
      }
      return out;
    },
    async start() {
      await endCrashLeftovers(options, store, core.logger);
      core.globalDef = await options.modules.global();
      for (const m of await options.modules.modules()) core.moduleDefs.set(m.name, m);
      core.emit('EngineStarted', {
        // Unique in its log: a restarted engine's run is named after the seq it starts at.
        runId: options.runId ?? `run-${store.lastSeq() + 1}`,
        namespace: core.namespace,
        modules: [...core.moduleDefs.values()].map((m) => ({
          name: m.name,
          order: m.order,
          valuesKey: valuesKey(m.name),
          hasChart: m.hasChart,
        })),
      });
      core.globalHooks = await core.options.hooks.globalHooks();
      core.emit('GlobalHooksRegistered', {
        hooks: core.globalHooks.map(({ name, orders, kubernetes, schedule }) => ({
          name,
          orders,
          kubernetes,
          schedule,
        })),
      });
      const config = options.config ? await options.config.load() : {};
      validateInitialConfig(core, config);
      core.emit('ConfigReceived', { config });
      const apply = await handleApplyConfig(
        core,
        core.newTask({ type: 'ApplyKubeConfigValues', queue: MAIN, trigger: 'Operator-Startup' }),
      );
      if (apply.status === 'Fail') throw new Error(apply.error);
      const main = core.queue(MAIN);
      const byOrder = core.state.startup.context.onStartup;
      for (const name of byOrder)
        main.addLast(
          core.newTask({
            type: 'GlobalHookRun',
            queue: MAIN,
            hook: name,
            binding: 'onStartup',
            trigger: 'Operator-Startup',
          }),
        );
      for (const hook of [...core.globalHooks].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (hook.watches.length > 0)
          main.addLast(
            core.newTask({
              type: 'GlobalHookEnableKubernetesBindings',
              queue: MAIN,
              hook: hook.name,
              trigger: 'Operator-Startup',
            }),
          );
      }
      main.addLast(
        core.newTask({
          type: 'GlobalHookWaitKubernetesSynchronization',
          queue: MAIN,
          trigger: 'Operator-Startup',
        }),
      );
      main.addLast(convergeTask(core, 'OperatorStartup', 'Operator-Startup'));
      // Stopped during startup: no schedule or config watch outlives the stop.
      if (core.stopped) return;
      schedules.ensure(crontabsOf(core.globalHooks));
      let invalidTimer: TimerHandle | undefined;
      const countInvalid = () => {
        core.metrics.inc('config_values_errors_total', {});
        invalidTimer = core.clock.setTimer(5_000, countInvalid);
      };
      unwatchConfig = options.config?.watch(
        (c) => {
          invalidTimer?.cancel();
          invalidTimer = undefined;
          onConfigChanged(core, c);
        },
        // addon-operator pkg/kube_config_manager/kube_config_manager.go, scenario 101: no task, the last valid config stays, the error counter ticks every 5 s.
        (error) => {
          core.logger.error({}, `config is invalid, keeping the last valid one: ${error.message}`);
          if (!invalidTimer) countInvalid();
        },
      );
      const unwatch = unwatchConfig;
      unwatchConfig = () => {
        invalidTimer?.cancel();
        unwatch?.();
      };
    },
    stop(stopOptions = {}) {
      const graceMs = stopOptions.graceMs ?? DEFAULT_STOP_GRACE_MS;
      if (stopping) {
        grace?.shorten(graceMs);
        return stopping;
      }
      const wasRunning = !core.stopped && core.state.runId !== undefined;
      core.stopped = true;
      unwatchConfig?.();
      schedules.stop();
      for (const q of core.queues.values()) q.stop();
      core.kube.stopAll();
      core.resources.stopAll();
      core.rateLimits.stop();
      grace = new Deadline(graceMs);
      stopping = (async () => {
        await drainRunningWork(core, grace, {
          abort: () => stopSignal.abort(),
          // The log says where a run ended (a log may hold several runs); nothing comes after it.
          sealLog: () => {
            if (wasRunning && core.state.runId !== undefined)
              core.emit('EngineStopped', { runId: core.state.runId });
            store.seal();
          },
        });
        eventSubject.complete();
        activity.complete();
        await store.flush();
      })();
      return stopping;
    },
  };
  // Startup counts as running work: a stop during it waits for it up to the grace, then aborts its
  // `--config` runs, like a running task's processes.
  const startRun = engine.start.bind(engine);
  engine.start = () => core.track(startRun);
  return engine;
}

/** An invalid initial config stops startup before any task is created (AO-21). */
function validateInitialConfig(core: EngineCore, config: ConfigDocument): void {
  const problems: string[] = [];
  for (const [scope, section] of Object.entries(configSections(config))) {
    const err =
      scope === 'global'
        ? core.globalDef.validateConfigValues?.(section)
        : core.moduleDefs.get(scope)?.validateConfigValues?.(section);
    if (err) problems.push(err.includes(scope) ? err : `${scope}: ${err}`);
  }
  if (problems.length > 0) throw new Error(`initial config is invalid: ${problems.join('; ')}`);
}
