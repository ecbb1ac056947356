import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { EventStore } from '@converge/core';
import { moduleStateName } from '@converge/core';
import { JqProcessEngine, loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { ADDON_OPERATOR_LEASE } from '@converge/kube';
import type { ConvergeEvent } from '@converge/protocol';
import { createEngine, createLogger, type JsonlEventWriter, MemoryEventStore } from '@converge/runtime';
import { type ClusterTarget, ClusterTargetError, openClusterTarget } from '../cluster-target.js';
import { parseDuration } from '../duration.js';
import { openEventsFile } from '../events-file.js';
import { LiveView } from '../live-view.js';
import { openStore } from '../log-source.js';

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
  events?: string;
  store?: string;
  json: boolean;
  namespace: string;
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
 * `--timeout` passed.
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
  const jq = new JqProcessEngine();
  if (o.leaderElection && o.cluster !== 'kube') {
    jq.close();
    return { code: 2, message: '--leader-election needs --cluster kube' };
  }
  const runId = `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  // One writer per store: a held, corrupt or unreadable store (or --events file) stops the run here.
  // It opens first: the embedded cluster and releases live in its records.
  let store: EventStore;
  try {
    store = openStore(o.store ?? `sqlite:${join(process.cwd(), '.converge', 'events.sqlite')}`, { runId });
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
  engine.onEvent((e: ConvergeEvent) => {
    writer?.append(e);
    view?.onEvent(e);
    if (o.once && e.type === 'RetryScheduled' && e.attempt > o.maxAttempts && !failure) {
      const hook = [...engine.events]
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
  let interrupted = false;
  let wakeOnSignal: (() => void) | undefined;
  const onSignal = () => {
    interrupted = true;
    wakeOnSignal?.();
  };
  let lostLease: string | undefined;
  const elector = o.leaderElection
    ? leaderElectorOf(o, target, logger, (why) => (lostLease = why))
    : undefined;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const finish = async (outcome: RunOutcome): Promise<RunOutcome> => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await engine.stop();
    await elector?.stop();
    target.close();
    jq.close();
    const lastSeq = store.lastSeq();
    await writer?.close();
    await store.close();
    const range = `events ${firstSeq}..${Math.max(firstSeq - 1, lastSeq)}`;
    if (view) view.stop(`${outcome.message} (${range})`);
    else logger.info({ code: outcome.code, runId, events: range }, outcome.message);
    return outcome;
  };
  view?.start();
  try {
    await target.check();
    if (elector) {
      await Promise.race([elector.start(), new Promise<void>((r) => (wakeOnSignal = r))]);
      if (interrupted) return finish({ code: 130, message: 'interrupted while standing by' });
    }
    logger.info({ cluster: target.description }, 'converging');
    await engine.start();
  } catch (e) {
    return finish({ code: 1, message: `startup failed: ${e instanceof Error ? e.message : String(e)}` });
  }
  const deadline = Date.now() + parseDuration(o.timeout);
  // Poll the run's end conditions; the interval also keeps the process alive while hooks run.
  const outcome = await new Promise<RunOutcome>((done) => {
    const timer = setInterval(() => {
      const result = evaluate();
      if (result) {
        clearInterval(timer);
        done(result);
      }
    }, 50);
  });
  return finish(outcome);

  function evaluate(): RunOutcome | undefined {
    if (interrupted) return { code: 130, message: 'interrupted; log flushed' };
    if (lostLease) return { code: 1, message: lostLease };
    if (!o.once) return undefined;
    if (failure) return failure;
    if (Date.now() > deadline)
      return { code: 1, message: `timeout after ${o.timeout} before the first converge finished` };
    if (engine.state.startup.value !== 'ready' || !engine.isIdle()) return undefined;
    const notReady = engine.state.enabled.filter((m) => moduleStateName(engine.state.modules[m]) !== 'ready');
    if (notReady.length > 0) return undefined;
    // Deletes resumed at startup are part of the first converge: wait for them too.
    const deleting = engine.state.decisions.pendingDeletes.filter((m) => m in engine.state.moduleInfo);
    if (deleting.length > 0) return undefined;
    return { code: 0, message: `converged: ${engine.state.enabled.length} modules ready` };
  }
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
