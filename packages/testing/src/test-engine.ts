import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import type {
  ConfigDocument,
  EngineState,
  EventStore,
  Metrics,
  ReleaseExecutor,
  Values,
} from '@converge/core';
import { extractedBinary, InMemoryReleaseStore, type SeedRelease } from '@converge/helm';
import {
  createJqEngine,
  type HookEnvOptions,
  jqPatchFunction,
  loadModulesDir,
  ProcessHookRunner,
} from '@converge/hooks';
import type { ConvergeEvent, KubeObject, ObjectRef, ResourceSelector } from '@converge/protocol';
import {
  createEngine,
  type Engine,
  MemoryEventStore,
  MemoryLogger,
  MemoryMetrics,
  seededRandom,
  teeMetrics,
  VirtualClock,
} from '@converge/runtime';
import { filter, firstValueFrom } from 'rxjs';
import { type CodeHook, CodeHookRunner } from './code-hooks.js';
import { type CodeGlobal, type CodeModule, CodeModuleSource } from './code-modules.js';
import { CrashPoint } from './crash-point.js';
import { type KubeApiServer, startKubeApiServer } from './kube-api/kube-api-server.js';
import { MemoryConfigSource } from './memory-config-source.js';
import { MixedHookRunner } from './mixed-hook-runner.js';

export interface TestEngineOptions {
  /** addon-operator layout on disk (needs @converge/hooks). */
  modulesDir?: string;
  globalHooksDir?: string;
  /**
   * In-process hooks of modules loaded from `modulesDir` (module name → hooks), run beside their
   * shell and batch hooks and ordered with them, as addon-operator's compiled-in Go hooks are.
   */
  inProcessHooks?: Record<string, CodeHook[]>;
  /** Modules and global hooks defined in code. */
  modules?: CodeModule[];
  globalHooks?: CodeHook[];
  global?: CodeGlobal;
  /** ConfigMap equivalent: `{ global: {...}, myModule: {...}, myModuleEnabled: false }`. */
  config?: ConfigDocument;
  /** Initial objects of the in-memory cluster. */
  objects?: KubeObject[];
  /** Helm releases that already exist. */
  releases?: SeedRelease[];
  /** helm binary for charts that need templating. */
  helm?: string;
  clock?: { start?: string | number };
  /** Seed of the jitter source (default 1). */
  seed?: number;
  namespace?: string;
  hookTimeoutMs?: number;
  /**
   * How long `t.stop()` lets a running hook go on before aborting it (default 1_000 ms, not the
   * engine's 30 s, so that a stuck hook does not hold a test): processes then get SIGTERM and
   * SIGKILL 5 s later, an in-code hook is no longer waited for.
   */
  stopGraceMs?: number;
  /** Environment of hook processes (createEngine option `hookEnv`): allow-list additions or inherit all. */
  hookEnv?: HookEnvOptions;
  /**
   * Serve the in-memory cluster as a Kubernetes API (startKubeApiServer) and point hook processes
   * and enabled scripts at it with `KUBECONFIG`, so hooks that call `kubectl` work; the bundled
   * kubectl is appended to their PATH. The server adds the Namespaces every cluster has (`default`,
   * `kube-system`, `kube-public`, `kube-node-lease`). See `t.kubeApi` and `t.kubeconfig`.
   */
  kubeApi?: boolean;
  /**
   * The event store (default: a new MemoryEventStore); an engine given a non-empty store resumes
   * from it. The in-memory cluster and releases persist in its `records` too, so a second test
   * engine given the same store continues with the objects and releases the first one left (as
   * `converge run` does on its sqlite store).
   */
  store?: EventStore;
  /**
   * Another metrics sink the engine writes to besides `t.metrics` (e.g. a PrometheusMetrics that
   * `serveEngine` serves on `/metrics`).
   */
  metrics?: Metrics;
}

export interface TestEngine {
  start(): Promise<void>;
  setConfig(config: ConfigDocument): Promise<void>;
  settle(): Promise<void>;
  advance(ms: number): Promise<void>;
  readonly events: readonly ConvergeEvent[];
  releases(): { name: string; namespace: string; revision: number; status: string; checksum?: string }[];
  cluster: {
    apply(obj: KubeObject): Promise<KubeObject>;
    delete(ref: ObjectRef): Promise<boolean>;
    get(ref: ObjectRef): KubeObject | undefined;
    list(selector: ResourceSelector & { namespace?: string }): KubeObject[];
  };
  /**
   * Simulates `kill -9` of the engine right after event `seq` is in the log: nothing it does
   * afterwards reaches the log, the cluster, the releases or a hook. Resolves when it died.
   */
  crashAt(seq: number): Promise<void>;
  /**
   * Starts a new engine on the same log, cluster, releases and config, as a restarted process
   * would (the old one is stopped, or abandoned after `crashAt`), then settles.
   */
  restart(): Promise<void>;
  /** The event store the engines of this test kit append to. */
  readonly store: EventStore;
  /** Fires the schedule `crontab` now, then settles. */
  tick(crontab: string): Promise<void>;
  /** engine.stop with the kit's grace (`stopGraceMs`, default 1 s), then every process, server and file of the kit. */
  stop(options?: { graceMs?: number }): Promise<void>;
  readonly state: EngineState;
  readonly clock: VirtualClock;
  readonly metrics: MemoryMetrics;
  readonly logger: MemoryLogger;
  /** The current engine (a new one after `restart`). */
  readonly engine: Engine;
  readonly releaseStore: InMemoryReleaseStore;
  /** The in-memory cluster itself, for writes that must not settle in between (`put`). */
  readonly clusterStore: InMemoryCluster;
  readonly configSource: MemoryConfigSource;
  /** Module values as hooks see them (`$VALUES_PATH` minus `global`). */
  values(module: string): Values;
  queues(): ReturnType<Engine['queues']>;
  /** With `kubeApi: true`: the API server over the in-memory cluster, and its kubeconfig file. */
  readonly kubeApi?: KubeApiServer;
  readonly kubeconfig?: string;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

function writeInlineChart(root: string, module: string, files: Record<string, string>): string {
  const dir = join(root, module);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

/**
 * The public test kit (README.md "Test a module's lifecycle"): an engine on a virtual clock with an in-memory cluster and
 * in-memory Helm releases. `start`, `setConfig` and cluster changes end with a settle.
 */
export async function createTestEngine(options: TestEngineOptions = {}): Promise<TestEngine> {
  const clock = new VirtualClock(options.clock?.start ?? '2026-01-01T00:00:00Z');
  const namespace = options.namespace ?? 'default';
  const onDisk = options.modulesDir !== undefined || options.globalHooksDir !== undefined;
  // jq for jqFilter and JQPatch: long-lived jq processes (started on first use) or, with no jq
  // installed, the WebAssembly jq; closed on stop.
  const jq = await createJqEngine();
  const records = options.store?.records ? { records: options.store.records } : {};
  const cluster = new InMemoryCluster({ jq: jqPatchFunction(jq), ...records });
  for (const o of options.objects ?? []) cluster.put(o);
  const chartRoot = mkdtempSync(join(tmpdir(), 'converge-charts-'));
  const kubeApi = options.kubeApi
    ? await startKubeApiServer({ cluster, now: () => new Date(clock.now()) })
    : undefined;
  const kubeconfig = kubeApi?.writeKubeconfig(join(chartRoot, 'kubeconfig'), { namespace });
  const kubectl = kubeApi ? extractedBinary('kubectl-v33') : undefined;
  // The environment hook processes and enabled scripts take their allow-listed copy from.
  const baseEnv = kubeconfig
    ? {
        ...process.env,
        KUBECONFIG: kubeconfig,
        PATH: [process.env.PATH, kubectl && dirname(kubectl)].filter(Boolean).join(delimiter),
      }
    : undefined;
  const chartDirs = new Map<string, string>();
  for (const m of options.modules ?? []) {
    if (m.chart === undefined) continue;
    chartDirs.set(
      m.name,
      typeof m.chart === 'string' ? m.chart : writeInlineChart(chartRoot, m.name, m.chart),
    );
  }
  const releaseStore = new InMemoryReleaseStore({
    cluster,
    namespace,
    charts: (module: string) => chartDirs.get(module),
    ...(options.helm ? { helm: options.helm } : {}),
    ...records,
  });
  for (const r of options.releases ?? []) releaseStore.seed(r);
  const configSource = new MemoryConfigSource(options.config ?? {});
  const metrics = new MemoryMetrics();
  const logger = new MemoryLogger();
  const hooksByModule = new Map((options.modules ?? []).map((m) => [m.name, m.hooks ?? []]));
  // An addon-operator layout on disk: real hook processes and the modules-directory loader.
  const disk = options.modulesDir
    ? await loadModulesDir(options.modulesDir, {
        ...(options.globalHooksDir ? { globalHooksDir: options.globalHooksDir } : {}),
        ...(baseEnv ? { baseEnv } : {}),
      })
    : undefined;
  if (disk)
    for (const def of await disk.modules()) {
      const dir = disk.chartDir(def.name);
      if (dir) chartDirs.set(def.name, dir);
    }
  const processRunner = onDisk
    ? new ProcessHookRunner({
        ...(options.globalHooksDir ? { globalHooksDir: options.globalHooksDir } : {}),
        moduleHooksDir: (m: string) => disk?.hooksDir(m),
        timeoutMs: options.hookTimeoutMs ?? 0,
        ...(jq ? { jq } : {}),
        ...(options.hookEnv ? { hookEnv: options.hookEnv } : {}),
        ...(baseEnv ? { env: baseEnv } : {}),
        logger,
      })
    : undefined;
  const hookRunner = processRunner
    ? options.inProcessHooks
      ? new MixedHookRunner(processRunner, [], new Map(Object.entries(options.inProcessHooks)))
      : processRunner
    : new CodeHookRunner(options.globalHooks ?? [], hooksByModule);
  const modules = disk ?? new CodeModuleSource(options.modules ?? [], options.global);
  const store = options.store ?? new MemoryEventStore();
  let point = new CrashPoint();
  // Each engine reaches the world through gates that close when it dies (crashAt).
  const build = () =>
    createEngine({
      hooks: point.gate(hookRunner),
      modules: point.gate(modules),
      releases: point.gate(releaseStore as ReleaseExecutor),
      cluster: point.gate(cluster),
      config: configSource,
      store: point.store(store),
      clock,
      random: seededRandom(options.seed ?? 1),
      logger,
      metrics: options.metrics ? teeMetrics(metrics, options.metrics) : metrics,
      namespace,
      hookTimeoutMs: options.hookTimeoutMs ?? 0,
      ...(jq ? { jq } : {}),
    });
  let engine = build();

  const waitIdle = async () => {
    if (engine.isIdle()) return;
    await firstValueFrom(engine.idle$.pipe(filter((idle) => idle)));
  };

  // A settle or advance begun for an engine that died (crashAt) never returns: its caller died with it.
  const alive = async (of: Engine) => {
    if (of !== engine || point.dead) await new Promise<never>(() => {});
  };

  async function settle(): Promise<void> {
    const of = engine;
    for (;;) {
      await cluster.quiesce();
      await nextTurn();
      await waitIdle();
      await cluster.quiesce();
      await nextTurn();
      await alive(of);
      if (engine.isIdle()) return;
    }
  }

  async function advance(ms: number): Promise<void> {
    const of = engine;
    await settle();
    const target = clock.now() + ms;
    while (clock.fireNext(target)) {
      await alive(of);
      await settle();
    }
    await alive(of);
    clock.setTime(target);
    await settle();
  }

  let stopped = false;
  const t: TestEngine = {
    async start() {
      await engine.start();
      await settle();
    },
    async setConfig(config) {
      configSource.set(config);
      await settle();
    },
    settle,
    advance,
    /** Every event of the log, earlier runs' included (read from the store). */
    get events() {
      return store.read();
    },
    releases: () => releaseStore.releases(),
    clusterStore: cluster,
    cluster: {
      async apply(obj) {
        const stored = cluster.put(obj);
        await settle();
        return stored;
      },
      async delete(ref) {
        const removed = cluster.remove(ref);
        await settle();
        return removed;
      },
      get: (ref) => cluster.get(ref),
      list: (selector) =>
        cluster.listSync(selector.namespace ? { ...selector, namespaces: [selector.namespace] } : selector),
    },
    crashAt(seq) {
      point.arm(seq, store.lastSeq());
      return point.crashed;
    },
    async restart() {
      if (point.dead) abandon(engine);
      else await engine.stop();
      point = new CrashPoint();
      engine = build();
      await engine.start();
      await settle();
    },
    store,
    async tick(crontab) {
      engine.fireSchedule(crontab);
      await settle();
    },
    async stop(stopOptions = {}) {
      if (stopped) return;
      stopped = true;
      await engine.stop({ graceMs: stopOptions.graceMs ?? options.stopGraceMs ?? 1_000 });
      jq?.close();
      await kubeApi?.close();
      rmSync(chartRoot, { recursive: true, force: true });
    },
    get state() {
      return engine.state;
    },
    clock,
    metrics,
    logger,
    get engine() {
      return engine;
    },
    releaseStore,
    configSource,
    values: (module) => engine.core.values.moduleValues(module),
    queues: () => engine.queues(),
    ...(kubeApi ? { kubeApi, kubeconfig } : {}),
  };
  return t;
}

/** A dead engine takes no more tasks and watches nothing; its pending calls never return. */
function abandon(engine: Engine): void {
  const core = engine.core;
  core.stopped = true;
  for (const q of core.queues.values()) q.stop();
  core.kube.stopAll();
  core.resources.stopAll();
}
