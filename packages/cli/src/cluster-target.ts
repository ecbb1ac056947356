import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import type {
  ClusterSource,
  ConfigSource,
  Logger,
  ObjectApplier,
  ReleaseExecutor,
  StoreRecords,
} from '@converge/core';
import { HelmCliReleaseExecutor, InMemoryReleaseStore } from '@converge/helm';
import { type ClosableJqEngine, jqPatchFunction } from '@converge/hooks';
import {
  KubeCluster,
  KubeConfigMapSource,
  LeaderElector,
  type LeaderElectorOptions,
  loadKubeConfig,
} from '@converge/kube';
import { makePrivateTempDir, type TrackProcessGroup } from '@converge/runtime';
import { parseDuration } from './duration.js';
import { FileConfigSource } from './file-config-source.js';

/** Where `converge run` converges: the cluster, the releases, the config, and how to let go of them. */
export interface ClusterTarget {
  cluster: ClusterSource & ObjectApplier;
  releases: ReleaseExecutor;
  config: ConfigSource;
  /** One line naming the target, for the log. */
  description: string;
  /**
   * The environment hook processes and enabled scripts take their allow-listed copy from: for
   * `--cluster kube`, `KUBECONFIG` names a private copy of the chosen kubeconfig with the chosen
   * context as current, so `kubectl` in a hook talks to the cluster converge converges.
   */
  hookBaseEnv: NodeJS.ProcessEnv;
  /** Rejects with a clear message when the target cannot be reached. */
  check(): Promise<void>;
  /** A Lease leader elector on the target (kube only). */
  leaderElector?(options: Omit<LeaderElectorOptions, 'namespace'>): LeaderElector;
  close(): void;
}

export interface ClusterTargetOptions {
  cluster: string;
  kubeconfig?: string;
  context?: string;
  /** `--config` file; without it the kube target reads the `addon-operator` ConfigMap. */
  config?: string;
  namespace: string;
  charts: (module: string) => string | undefined;
  jq: ClosableJqEngine;
  logger: Logger;
  /** Told about every helm process group (ProcessGroupRegistry.track). */
  trackProcessGroup?: TrackProcessGroup;
  /** Where the embedded cluster and releases persist (the run's store), so a restart continues. */
  records?: StoreRecords;
  /**
   * Where addon-operator's settings are read from when no flag gives them (addon-operator pkg/app/config.go): `KUBE_CONFIG`,
   * `KUBE_CONTEXT`, `ADDON_OPERATOR_CONFIG_MAP`, `HELM_HISTORY_MAX`, `HELM_TIMEOUT`, `HELM_DRIVER`,
   * `HELM_IGNORE_RELEASE` (a release the startup purge never touches). Default: `process.env`.
   */
  env?: NodeJS.ProcessEnv;
}

/** A `--cluster` value that is not embedded or kube, or a kube target that cannot be set up. */
export class ClusterTargetError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/**
 * `--cluster embedded` (the default): an in-memory cluster and in-memory releases, kept in
 * `records` when given. `--cluster
 * kube`: the cluster of `--kubeconfig`/`--context` through the Kubernetes API, releases through the
 * helm CLI with the same kubeconfig and context, and config from the `addon-operator` ConfigMap in
 * `--namespace` unless `--config` names a file. A kubeconfig never switches the target by itself.
 */
export function openClusterTarget(o: ClusterTargetOptions): ClusterTarget {
  if (o.cluster === 'embedded') {
    if (o.kubeconfig || o.context)
      throw new ClusterTargetError('--kubeconfig and --context need --cluster kube', 2);
    const records = o.records ? { records: o.records } : {};
    const cluster = new InMemoryCluster({ jq: jqPatchFunction(o.jq), ...records });
    const ignoreRelease = (o.env ?? process.env).HELM_IGNORE_RELEASE || undefined;
    return {
      cluster,
      releases: new InMemoryReleaseStore({
        cluster,
        namespace: o.namespace,
        charts: o.charts,
        ...(ignoreRelease ? { ignoreRelease } : {}),
        ...records,
      }),
      config: new FileConfigSource(o.config),
      description: 'embedded in-memory cluster',
      hookBaseEnv: o.env ?? process.env,
      check: async () => {},
      close: () => {},
    };
  }
  const env = o.env ?? process.env;
  if (o.cluster !== 'kube')
    throw new ClusterTargetError(`--cluster must be embedded or kube, got ${JSON.stringify(o.cluster)}`, 2);
  let kubeConfig: ReturnType<typeof loadKubeConfig>;
  try {
    const file = o.kubeconfig ?? (env.KUBE_CONFIG || undefined);
    const wanted = o.context ?? (env.KUBE_CONTEXT || undefined);
    kubeConfig = loadKubeConfig({
      ...(file ? { kubeconfig: file } : {}),
      ...(wanted ? { context: wanted } : {}),
    });
  } catch (e) {
    throw new ClusterTargetError(e instanceof Error ? e.message : String(e), 2);
  }
  const historyMax = env.HELM_HISTORY_MAX ? positiveInt('HELM_HISTORY_MAX', env.HELM_HISTORY_MAX) : undefined;
  const timeoutMs = env.HELM_TIMEOUT ? envDuration('HELM_TIMEOUT', env.HELM_TIMEOUT) : undefined;
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  const privateDir = makePrivateTempDir('kube');
  // The kubeconfig copy goes on every exit the process sees: close(), a normal exit, an uncaught
  // error; after a SIGKILL the next engine start removes it (removeStaleTempDirs).
  const removeCopy = () => rmSync(privateDir, { recursive: true, force: true });
  process.once('exit', removeCopy);
  const hookKubeconfig = join(privateDir, 'kubeconfig');
  writeFileSync(hookKubeconfig, kubeConfig.exportConfig(), { mode: 0o600 });
  const context = kubeConfig.getCurrentContext();
  const cluster = new KubeCluster(kubeConfig, {
    jq: jqPatchFunction(o.jq),
    logger: o.logger,
    defaultNamespace: o.namespace,
  });
  const configMaps = o.config
    ? undefined
    : new KubeConfigMapSource(kubeConfig, {
        namespace: o.namespace,
        name: env.ADDON_OPERATOR_CONFIG_MAP || 'addon-operator',
        logger: o.logger,
      });
  const releases = new HelmCliReleaseExecutor({
    namespace: o.namespace,
    charts: o.charts,
    // The same cluster and context as KubeCluster, whatever KUBECONFIG lists.
    kubeconfig: hookKubeconfig,
    kubeContext: context,
    cluster,
    ...(historyMax ? { historyMax } : {}),
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(env.HELM_IGNORE_RELEASE ? { ignoreRelease: env.HELM_IGNORE_RELEASE } : {}),
    ...(o.trackProcessGroup ? { trackProcessGroup: o.trackProcessGroup } : {}),
    // Release status from helm's storage objects, as addon-operator's in-process helm client reads
    // it, instead of a `helm get metadata` process per module run.
    statusSource: /^configmaps?$/i.test(env.HELM_DRIVER ?? '') ? 'configmaps' : 'secrets',
  });
  return {
    cluster,
    releases,
    config: configMaps ?? new FileConfigSource(o.config),
    description: `Kubernetes API ${server} (context ${context}, namespace ${o.namespace})`,
    hookBaseEnv: { ...env, KUBECONFIG: hookKubeconfig },
    async check() {
      let found: unknown[];
      try {
        found = await cluster.list({ apiVersion: 'v1', kind: 'Namespace', names: [o.namespace] });
      } catch (e) {
        throw new ClusterTargetError(
          `cannot reach the Kubernetes API at ${server} (context ${context}): ${e instanceof Error ? e.message : String(e)}`,
          1,
        );
      }
      if (found.length === 0)
        throw new ClusterTargetError(
          `namespace ${o.namespace} does not exist at ${server} (context ${context}): create it, or choose another with --namespace`,
          1,
        );
    },
    leaderElector: (options) => new LeaderElector(kubeConfig, { ...options, namespace: o.namespace }),
    close() {
      cluster.close();
      configMaps?.close();
      process.off('exit', removeCopy);
      removeCopy();
    },
  };
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new ClusterTargetError(`${name} must be a whole number >= 1, got ${JSON.stringify(text)}`, 2);
  return n;
}

function envDuration(name: string, text: string): number {
  try {
    return parseDuration(text);
  } catch (e) {
    throw new ClusterTargetError(`${name}: ${e instanceof Error ? e.message : String(e)}`, 2);
  }
}
