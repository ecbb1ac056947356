import type { EventStore, Logger } from '@converge/core';
import { moduleStateName } from '@converge/core';
import { JqProcessEngine, loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { createEngine, type Engine, ProcessGroupRegistry } from '@converge/runtime';
import { type ClusterTarget, openClusterTarget } from '../cluster-target.js';
import type { FleetTarget } from './targets-file.js';

/** One target's engine inside a fleet replica, and how to let go of it. */
export interface TargetEngine {
  readonly target: FleetTarget;
  readonly engine: Engine;
  /**
   * True when the engine has finished a converge and is idle or converging again without
   * failures: no module failed, no queue waiting out a retry.
   */
  ready(): boolean;
  /** Stops the engine (running tasks get `graceMs`), closes the target's clients; the store stays open. */
  stop(graceMs: number): Promise<void>;
}

export interface TargetEngineOptions {
  /** The target's stream, opened by its writer. */
  store: EventStore;
  logger: Logger;
  runId: string;
  hookTimeoutMs?: number;
  /** Environment for addon-operator's settings and the hooks' allow-list (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds and starts the engine `converge run --cluster kube` would run for `target`: the cluster of
 * its kubeconfig and context, releases through the helm CLI, config from its `config` file
 * (watched) or else the addon-operator ConfigMap in its namespace. The engine restores from what
 * `store` holds (a takeover is a restart on another replica). Rejects, with everything closed, when
 * the target cannot be reached or its startup fails.
 */
export async function startTargetEngine(target: FleetTarget, o: TargetEngineOptions): Promise<TargetEngine> {
  const jq = new JqProcessEngine();
  const groups = new ProcessGroupRegistry();
  const trackProcessGroup = groups.track;
  const logger = o.logger;
  let source: Awaited<ReturnType<typeof loadModulesDir>> | undefined;
  let cluster: ClusterTarget | undefined;
  try {
    cluster = openClusterTarget({
      cluster: 'kube',
      kubeconfig: target.kubeconfig,
      ...(target.context ? { context: target.context } : {}),
      ...(target.config ? { config: target.config } : {}),
      namespace: target.namespace,
      charts: (m: string) => source?.chartDir(m),
      jq,
      logger,
      trackProcessGroup,
      ...(o.env ? { env: o.env } : {}),
    });
    await cluster.check();
    source = await loadModulesDir(target.modulesDir, {
      ...(target.globalHooksDir ? { globalHooksDir: target.globalHooksDir } : {}),
      baseEnv: cluster.hookBaseEnv,
      trackProcessGroup,
    });
  } catch (e) {
    cluster?.close();
    jq.close();
    throw e;
  }
  const loaded = source;
  const hooks = new ProcessHookRunner({
    ...(target.globalHooksDir ? { globalHooksDir: target.globalHooksDir } : {}),
    moduleHooksDir: (m: string) => loaded.hooksDir(m),
    jq,
    logger,
    env: cluster.hookBaseEnv,
    trackProcessGroup,
  });
  const engine = createEngine({
    hooks,
    modules: loaded,
    releases: cluster.releases,
    cluster: cluster.cluster,
    config: cluster.config,
    store: o.store,
    logger,
    namespace: target.namespace,
    runId: o.runId,
    jq,
    ...(o.hookTimeoutMs !== undefined ? { hookTimeoutMs: o.hookTimeoutMs } : {}),
    processGroups: groups,
  });
  const opened = cluster;
  let closed: Promise<void> | undefined;
  const stop = (graceMs: number) => {
    closed ??= (async () => {
      try {
        await engine.stop({ graceMs });
      } finally {
        opened.close();
        jq.close();
      }
    })();
    return closed;
  };
  try {
    await engine.start();
  } catch (e) {
    await stop(0).catch(() => undefined);
    throw e;
  }
  return { target, engine, ready: () => engineReady(engine), stop };
}

/**
 * A target's `ready` in `converge fleet status`: the first converge is done (addon-operator's
 * `/readyz`), no enabled module is in a failed state, and no queue is waiting out a retry.
 */
export function engineReady(engine: Engine): boolean {
  if (!engine.status().ready) return false;
  const { state } = engine;
  for (const m of state.enabled) {
    const s = state.modules[m];
    if (!s) continue;
    const name = moduleStateName(s);
    if (name === 'runFailed' || name === 'deleteFailed') return false;
  }
  return Object.values(engine.queues()).every((q) => q.sleepingUntil === undefined);
}
