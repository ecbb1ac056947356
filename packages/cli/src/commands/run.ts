import { hostname, constants as osConstants } from 'node:os';
import { join, resolve } from 'node:path';
import type { EventStore } from '@converge/core';
import { moduleStateName } from '@converge/core';
import { createJqEngine, loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { ADDON_OPERATOR_LEASE } from '@converge/kube';
import type { ConvergeEvent } from '@converge/protocol';
import {
  createEngine,
  createLogger,
  type JsonlEventWriter,
  MemoryEventStore,
  ProcessGroupRegistry,
} from '@converge/runtime';
import type { EngineServer } from '@converge/server';
import { merge, type Subscription } from 'rxjs';
import { type ClusterTarget, ClusterTargetError, openClusterTarget } from '../cluster-target.js';
import { parseDuration } from '../duration.js';
import { openEventsFile } from '../events-file.js';
import { LiveView } from '../live-view.js';
import { defaultStream, openStore } from '../log-source.js';
import { startOperatorServer } from '../operator-server.js';

export interface RunOptions {
  modulesDir: string;
  globalHooks?: string;
  config?: string;
  cluster: string;
  kubeconfig?: string;
  context?: string;
  /** Converge only while holding the addon-operator Lease (HA; needs --cluster kube). */
  leaderElection?: { leaseName?: string; identity?: string; leaseDuration?: string };
  once: boolean;
  maxAttempts: number;
  timeout: string;
  /** Kill a hook after this long (`--hook-timeout`; absent: never, as addon-operator). */
  hookTimeout?: string;
  /** How long a stop lets running tasks go on before aborting them (`--stop-grace`, default 30s). */
  stopGrace?: string;
  events?: string;
  store?: string;
  /** The stream of a PostgreSQL store (default: the kube context under --cluster kube, else embedded). */
  stream?: string;
  json: boolean;
  namespace: string;
  /** `--listen ADDR:PORT`: where the HTTP endpoints are served (without --once: by default). */
  listen?: string;
  /** `--debug-socket PATH`: where the debug routes are served. */
  debugSocket?: string;
}

/** The outcome of `converge run --once`: exit status and a one-line reason. */
export interface RunOutcome {
  code: number;
  message: string;
}

/**
 * `converge run <modulesDir>`: the embedded default (in-memory cluster and releases, a durable
 * sqlite log under `.converge/`) unless told otherwise. With `--once` it stops after the first
 * converge: 0 when every enabled module is ready, 1 when a task failed `--max-attempts` times or
 * `--timeout` passed. SIGTERM ends it with 143 and SIGINT with 130 (128 + the signal); every way
 * out stops the engine with the `--stop-grace`, and a second signal aborts the running tasks at once.
 */
export async function runCommand(
  o: RunOptions,
  out: NodeJS.WriteStream = process.stdout,
): Promise<RunOutcome> {
  const modulesDir = resolve(o.modulesDir);
  const tty = out.isTTY === true && !o.json;
  const logger = createLogger({
    level: tty ? 'silent' : (process.env.LOG_LEVEL ?? 'info'),
    destination: tty ? process.stderr : out,
  });
  let stopGraceMs: number;
  let hookTimeoutMs: number | undefined;
  try {
    stopGraceMs = parseDuration(o.stopGrace ?? '30s');
    hookTimeoutMs = o.hookTimeout === undefined ? undefined : parseDuration(o.hookTimeout);
  } catch (e) {
    return { code: 2, message: (e as Error).message };
  }
  const jq = await createJqEngine();
  // Hook, enabled-script and helm process groups, recorded in the store so a crash leaves none.
  const groups = new ProcessGroupRegistry();
  const trackProcessGroup = groups.track;
  if (o.leaderElection && o.cluster !== 'kube') {
    jq.close();
    return { code: 2, message: '--leader-election needs --cluster kube' };
  }
  const runId = `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  // One writer per store: a held, corrupt or unreadable store (or --events file) stops the run here.
  // It opens first: the embedded cluster and releases live in its records.
  let store: EventStore;
  // A writer whose PostgreSQL stream is taken over ends the run (exit 1); its engine has stopped.
  let fenced: string | undefined;
  try {
    store = openStore(o.store ?? `sqlite:${join(process.cwd(), '.converge', 'events.sqlite')}`, {
      runId,
      stream: o.stream ?? defaultStream(o),
      onFenced: (error) => {
        fenced = error.message;
        wakeOnSignal?.();
      },
    });
  } catch (e) {
    jq.close();
    return { code: 1, message: e instanceof Error ? e.message : String(e) };
  }
  let target: ClusterTarget;
  try {
    target = openClusterTarget({
      cluster: o.cluster,
      ...(o.kubeconfig ? { kubeconfig: resolve(o.kubeconfig) } : {}),
      ...(o.context ? { context: o.context } : {}),
      ...(o.config ? { config: resolve(o.config) } : {}),
      namespace: o.namespace,
      charts: (m: string) => source.chartDir(m),
      jq,
      logger,
      trackProcessGroup,
      ...(store.records ? { records: store.records } : {}),
    });
  } catch (e) {
    jq.close();
    await store.close();
    if (e instanceof ClusterTargetError) return { code: e.exitCode, message: e.message };
    throw e;
  }
  // Hooks and enabled scripts see the target's KUBECONFIG (for `kubectl` in a hook).
  let source: Awaited<ReturnType<typeof loadModulesDir>>;
  try {
    source = await loadModulesDir(modulesDir, {
      ...(o.globalHooks ? { globalHooksDir: resolve(o.globalHooks) } : {}),
      baseEnv: target.hookBaseEnv,
      trackProcessGroup,
    });
  } catch (e) {
    target.close();
    jq.close();
    await store.close();
    throw e;
  }
  const hooks = new ProcessHookRunner({
    ...(o.globalHooks ? { globalHooksDir: resolve(o.globalHooks) } : {}),
    moduleHooksDir: (m: string) => source.hooksDir(m),
    jq,
    logger,
    env: target.hookBaseEnv,
    trackProcessGroup,
  });
  let writer: JsonlEventWriter | undefined;
  try {
    writer = o.events ? openEventsFile(resolve(o.events), store) : undefined;
  } catch (e) {
    await store.close();
    target.close();
    jq.close();
    return { code: 1, message: e instanceof Error ? e.message : String(e) };
  }
  const engine = createEngine({
    hooks,
    modules: source,
    releases: target.releases,
    cluster: target.cluster,
    config: target.config,
    store: store ?? new MemoryEventStore(),
    logger,
    namespace: o.namespace,
    runId,
    jq,
    ...(hookTimeoutMs !== undefined ? { hookTimeoutMs } : {}),
    processGroups: groups,
  });
  const firstSeq = store.lastSeq() + 1;
  const view = tty
    ? new LiveView(
        out,
        () => engine.state,
        () => Date.now(),
      )
    : undefined;
  let failure: RunOutcome | undefined;
  // Fault injection for crash tests (test/restart): SIGKILL right after this seq is in the log.
  const killAfterSeq = Number(process.env.CONVERGE_TEST_KILL_AFTER_SEQ ?? 0);
  // Modules left disabled, with why (the run's summary names them).
  const notEnabled: Record<string, string> = {};
  engine.events$.subscribe((e: ConvergeEvent) => {
    writer?.append(e);
    if (e.type === 'ModuleNotEnabled') notEnabled[e.module] = e.reason;
    if (e.type === 'ModuleEnabled') delete notEnabled[e.module];
    view?.onEvent(e);
    if (killAfterSeq > 0 && e.seq === killAfterSeq) process.kill(process.pid, 'SIGKILL');
    if (o.once && e.type === 'RetryScheduled' && e.attempt > o.maxAttempts && !failure) {
      // This run's events (engine.events is the whole log, earlier runs included).
      const hook = store
        .read(firstSeq)
        .reverse()
        .find((x) => x.type === 'HookFailed' && (!e.module || x.module === e.module));
      failure = {
        code: 1,
        message: `${e.module ? `module ${e.module}` : `queue ${e.queue}`}: ${e.task} failed ${e.attempt - 1} times${
          hook && hook.type === 'HookFailed' ? `; hook ${hook.hook} (${hook.binding})` : ''
        }: ${e.error ?? 'unknown error'}`,
      };
    }
  });
  let interrupted: NodeJS.Signals | undefined;
  let stopping = false;
  let wakeOnSignal: (() => void) | undefined;
  let firstSignalAt = 0;
  const launched = process.env.CONVERGE_LAUNCHED === '1';
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C under the Node < 22.13 launcher arrives twice (the terminal signals the whole
    // process group, and the launcher forwards its own copy): a SIGINT within 500 ms is the same one.
    if (launched && signal === 'SIGINT' && interrupted === 'SIGINT' && Date.now() - firstSignalAt < 500)
      return;
    if (stopping) {
      // A second signal while the running tasks have their grace: abort them now.
      logger.warn({ signal }, 'second signal: aborting the running tasks');
      void engine.stop({ graceMs: 0 });
      return;
    }
    if (interrupted === undefined) {
      interrupted = signal;
      firstSignalAt = Date.now();
    }
    wakeOnSignal?.();
  };
  let lostLease: string | undefined;
  const elector = o.leaderElection
    ? leaderElectorOf(o, target, logger, (why) => {
        lostLease = why;
        wakeOnSignal?.();
      })
    : undefined;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // addon-operator's HTTP server and debug socket (served by default when long-running).
  let served: EngineServer | undefined;
  const finish = async (outcome: RunOutcome): Promise<RunOutcome> => {
    stopping = true;
    logger.info(
      { stopGraceMs, reason: outcome.message },
      'stopping: running tasks have the stop grace to end',
    );
    await engine.stop({ graceMs: stopGraceMs });
    await served?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await elector?.stop();
    target.close();
    jq.close();
    const lastSeq = store.lastSeq();
    await writer?.close();
    await store.close();
    const range = `events ${firstSeq}..${Math.max(firstSeq - 1, lastSeq)}`;
    if (view) view.stop(`${outcome.message} (${range})`);
    else
      logger.info(
        {
          code: outcome.code,
          runId,
          events: range,
          ...(Object.keys(notEnabled).length > 0 ? { notEnabled } : {}),
        },
        outcome.message,
      );
    return outcome;
  };
  try {
    served = await startOperatorServer(
      engine,
      {
        ...(o.listen !== undefined ? { listen: o.listen } : {}),
        ...(o.debugSocket !== undefined ? { debugSocket: o.debugSocket } : {}),
        onlyWhenAsked: o.once,
        ...(o.store !== undefined ? { store: o.store } : {}),
      },
      process.env,
      (message) => logger.warn({}, message),
    );
  } catch (e) {
    return finish({ code: 1, message: e instanceof Error ? e.message : String(e) });
  }
  if (served) {
    logger.info({ url: served.url || undefined, debugSocket: served.debugSocket }, 'serving');
    if (tty)
      process.stderr.write(
        `converge: serving ${[served.url, served.debugSocket].filter(Boolean).join(' and ')}\n`,
      );
  }
  view?.start();
  try {
    await target.check();
    if (elector) {
      await Promise.race([elector.start(), new Promise<void>((r) => (wakeOnSignal = r))]);
      if (interrupted)
        return finish({ code: exitCodeOf(interrupted), message: `${interrupted} while standing by` });
    }
    logger.info({ cluster: target.description }, 'converging');
    // A signal during startup (a global hook's --config that hangs, a slow config source) stops it too.
    const started = engine.start();
    started.catch(() => undefined);
    await Promise.race([started, new Promise<void>((r) => (wakeOnSignal = r))]);
    if (interrupted)
      return finish({ code: exitCodeOf(interrupted), message: `${interrupted} during startup` });
    // The stream was taken over during startup: the engine has stopped, startup may never end.
    if (fenced) return finish({ code: 1, message: fenced });
    await started;
  } catch (e) {
    return finish({ code: 1, message: `startup failed: ${e instanceof Error ? e.message : String(e)}` });
  }
  const deadline = Date.now() + parseDuration(o.timeout);
  // The run's end conditions are checked when something happens: an event, the engine becoming
  // idle or busy, a signal, the lease lost, or the --once deadline.
  const outcome = await new Promise<RunOutcome>((done) => {
    let subscription: Subscription | undefined;
    let finished = false;
    let deadlineTimer: NodeJS.Timeout | undefined;
    // An embedded run with no schedule or watch holds no handle while it waits for a signal: this does.
    const keepAlive = setInterval(() => {}, 2 ** 30);
    const check = () => {
      if (finished) return;
      const result = evaluate();
      if (!result) return;
      finished = true;
      subscription?.unsubscribe();
      clearTimeout(deadlineTimer);
      clearInterval(keepAlive);
      wakeOnSignal = undefined;
      done(result);
    };
    const onDeadline = () => {
      if (Date.now() > deadline) check();
      else deadlineTimer = setTimeout(onDeadline, deadline - Date.now() + 1);
    };
    if (o.once) onDeadline();
    wakeOnSignal = check;
    subscription = merge(engine.events$, engine.idle$).subscribe(check);
    if (finished) subscription.unsubscribe();
    check();
  });
  return finish(outcome);

  function evaluate(): RunOutcome | undefined {
    if (interrupted)
      return { code: exitCodeOf(interrupted), message: `${interrupted}: stopped, log flushed` };
    if (lostLease) return { code: 1, message: lostLease };
    if (fenced) return { code: 1, message: fenced };
    if (!o.once) return undefined;
    if (failure) return failure;
    if (Date.now() > deadline) {
      const running = runningHooks(store.read(firstSeq));
      return {
        code: 1,
        message: `timeout after ${o.timeout} before the first converge finished${
          running.length > 0 ? `; running: ${running.join(', ')}` : ''
        }`,
      };
    }
    if (engine.state.startup.value !== 'ready' || !engine.isIdle()) return undefined;
    const notReady = engine.state.enabled.filter((m) => moduleStateName(engine.state.modules[m]) !== 'ready');
    if (notReady.length > 0) return undefined;
    // Deletes resumed at startup are part of the first converge: wait for them too.
    const deleting = engine.state.decisions.pendingDeletes.filter((m) => m in engine.state.moduleInfo);
    if (deleting.length > 0) return undefined;
    return { code: 0, message: `converged: ${engine.state.enabled.length} modules ready` };
  }
}

/** The exit status of a run ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
function exitCodeOf(signal: NodeJS.Signals): number {
  return 128 + (osConstants.signals[signal] ?? 15);
}

/** Hooks started and not yet finished, as `hook H of module M (binding)`, from the run's events. */
function runningHooks(events: readonly ConvergeEvent[]): string[] {
  const running = new Map<string, string>();
  for (const e of events) {
    if (e.type !== 'HookStarted' && e.type !== 'HookSucceeded' && e.type !== 'HookFailed') continue;
    const key = `${e.module ?? ''}\u0000${e.hook}\u0000${e.binding}`;
    if (e.type === 'HookStarted')
      running.set(key, `hook ${e.hook}${e.module ? ` of module ${e.module}` : ''} (${e.binding})`);
    else running.delete(key);
  }
  return [...running.values()];
}

/**
 * The Lease elector of `--leader-election`: addon-operator's lease name, 35 s lease, 30 s renew
 * deadline and 10 s retry (scaled with `--lease-duration`), identity `ADDON_OPERATOR_POD` or
 * host-pid. Standing by is logged with the current holder; losing the lease reports why.
 */
function leaderElectorOf(
  o: RunOptions,
  target: ClusterTarget,
  logger: ReturnType<typeof createLogger>,
  lost: (why: string) => void,
) {
  const le = o.leaderElection ?? {};
  const seconds = le.leaseDuration
    ? parseDuration(le.leaseDuration) / 1000
    : ADDON_OPERATOR_LEASE.leaseDurationSeconds;
  const name = le.leaseName ?? ADDON_OPERATOR_LEASE.name;
  const identity = le.identity ?? process.env.ADDON_OPERATOR_POD ?? `${hostname()}-${process.pid}`;
  const where = `${o.namespace}/${name}`;
  const elector = target.leaderElector!({
    name,
    identity,
    leaseDurationSeconds: Math.max(1, Math.round(seconds)),
    renewDeadlineMs: (seconds * 1000 * 30) / 35,
    retryPeriodMs: (seconds * 1000 * 10) / 35,
    logger,
    onNewLeader: (holder) => {
      if (holder && holder !== identity)
        logger.info({ lease: where, holder, identity }, 'standing by: another replica leads');
    },
    onStoppedLeading: () => lost(`lost the lease ${where}; stopping`),
  });
  return elector;
}
