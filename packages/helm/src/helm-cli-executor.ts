/**
 * ReleaseExecutor over the helm CLI (Helm 3.13+ and Helm 4): release name = module name, in the
 * configured namespace (addon-operator pkg/module_manager/models/modules/helm.go (release name)). Every command is an argv array; values go through a 0600 file in
 * a private temp dir removed afterwards; the render checksum is stored as the release label
 * `moduleChecksum` (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)), beside the owner label; `status` says whether a release is converge's or
 * addon-operator's (release-ownership.ts). A failed helm command rejects with a HelmCommandError carrying its stderr.
 */
import { cpSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type {
  ClusterSource,
  ExecutorCallOptions,
  ReleaseExecutor,
  ReleaseInfo,
  RenderResult,
  Values,
} from '@converge/core';
import type { ObjectRef } from '@converge/protocol';
import { makePrivateTempDir, type TrackProcessGroup } from '@converge/runtime';
import { goCompare } from './go-text.js';
import { HelmCommandError, type HelmOutput, runHelm } from './helm-process.js';
import { absentObjects, storedRelease } from './release-cluster-reads.js';
import { isOwnedRelease, ownedLabels, withoutIgnored } from './release-ownership.js';
import { helmIdentity, RenderCache } from './render-cache.js';
import { renderChart } from './render-chart.js';
import { type HelmEnv, resolveHelm } from './resolve-helm.js';
import { parseManifestObjects } from './yaml-docs.js';

export interface HelmCliReleaseExecutorOptions {
  /** Release namespace (`--namespace` of every command). */
  namespace: string;
  /** The chart directory of a module, or undefined when it has none. */
  charts: (module: string) => string | undefined;
  /** Helm binary; see resolveHelm for the search order. */
  helm?: string;
  /** The whole environment helm runs with; defaults to `process.env`. */
  env?: HelmEnv;
  /** `--timeout` of upgrade, rollback and uninstall (default 20 min, AO's HELM_TIMEOUT). */
  timeoutMs?: number;
  /** A helm process still running this long after its timeout is killed (default 30 s). */
  killGraceMs?: number;
  kubeconfig?: string;
  kubeContext?: string;
  /** Parent of the private temp dirs; defaults to the OS temp dir. */
  tmpDir?: string;
  /** `--history-max` (default 10, AO's HELM_HISTORY_MAX). */
  historyMax?: number;
  /**
   * Cluster read side for absentResources (without it nothing is reported absent) and for release
   * labels helm before 3.18 does not print (without it such a helm never reports a checksum, so
   * every converge upgrades).
   */
  cluster?: ClusterSource;
  /**
   * Where `status` reads a release: `helm` (`helm get metadata`, the default), or helm's own
   * storage objects through `cluster` (`secrets`, helm's default driver, or `configmaps`): the
   * newest `owner=helm,name=<release>` object's labels, without starting a helm process.
   */
  statusSource?: 'helm' | 'secrets' | 'configmaps';
  /** Render cache to use (shared or own); `false` renders every time. Default: a cache of its own. */
  renderCache?: RenderCache | false;
  /** Where to look for the extracted helm (tests). */
  searchFrom?: string;
  /** Told about every helm process group (ProcessGroupRegistry.track), so a crash leaves none behind. */
  trackProcessGroup?: TrackProcessGroup;
  /** A release `list` never names, so the startup purge never touches it (AO's HELM_IGNORE_RELEASE). */
  ignoreRelease?: string;
}

/** `helm version` of a binary: the text and its numbers. */
export interface HelmVersion {
  version: string;
  major: number;
  minor: number;
}

/** Label that carries the render checksum (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)), and the legacy value it replaced. */
export const CHECKSUM_LABEL = 'moduleChecksum';
const LEGACY_CHECKSUM_VALUE = '_addonOperatorModuleChecksum';
const NOT_FOUND = /release: not found|release not found|not found: release/i;
const SYNTHESIS_EXCLUDED = new Set(['crds', 'docs', 'hooks', 'images', 'lib']);

interface HistoryEntry {
  revision: number;
  status: string;
}

function parseJson<T>(operation: string, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new HelmCommandError(operation, `unexpected output: ${text.trim().slice(0, 200)}`, 0);
  }
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** One `--labels` value: `k=v` pairs, quoted as the CSV that helm's stringToString flag reads. */
export function labelsFlag(labels: Record<string, string>): string {
  const csv = (field: string) => (/[",\n\r]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);
  return Object.keys(labels)
    .sort()
    .map((key) => csv(`${key}=${labels[key]}`))
    .join(',');
}

/** The ReleaseExecutor that runs the real helm. */
export class HelmCliReleaseExecutor implements ReleaseExecutor {
  private helmPath: string | undefined;
  private helmVersion: Promise<HelmVersion> | undefined;
  private readonly cache: RenderCache | undefined;

  constructor(private readonly options: HelmCliReleaseExecutorOptions) {
    this.cache = options.renderCache === false ? undefined : (options.renderCache ?? new RenderCache());
    if ((options.statusSource ?? 'helm') !== 'helm' && !options.cluster) {
      throw new Error(`statusSource ${options.statusSource} needs the cluster option`);
    }
  }

  /** The helm binary this executor runs; throws HelmNotFoundError listing where it looked. */
  helm(): string {
    this.helmPath ??= resolveHelm({
      helm: this.options.helm,
      env: this.options.env,
      searchFrom: this.options.searchFrom,
    });
    return this.helmPath;
  }

  /** `helm version` of the binary, asked once per executor. */
  version(): Promise<HelmVersion> {
    let version = this.helmVersion;
    if (!version) {
      version = this.run('version', ['version', '--template', '{{.Version}}'], { cluster: false }).then(
        ({ stdout }) => {
          const text = stdout.trim();
          const match = /^v?(\d+)\.(\d+)/.exec(text);
          if (!match) throw new HelmCommandError('version', `unexpected output: ${text.slice(0, 200)}`, 0);
          return { version: text, major: Number(match[1]), minor: Number(match[2]) };
        },
      );
      version.catch(() => {
        this.helmVersion = undefined;
      });
      this.helmVersion = version;
    }
    return version;
  }

  /** `get metadata` (labels included since Helm 3.13); undefined when the release does not exist. */
  async status(release: string, call: ExecutorCallOptions = {}): Promise<ReleaseInfo | undefined> {
    const source = this.options.statusSource ?? 'helm';
    if (source !== 'helm') return this.storedStatus(release, source, call);
    let out: HelmOutput;
    try {
      out = await this.run('get metadata', ['get', 'metadata', release, '--output', 'json'], call);
    } catch (error) {
      if (error instanceof HelmCommandError && NOT_FOUND.test(error.stderr)) return undefined;
      throw error;
    }
    const meta = parseJson<Record<string, unknown>>('get metadata', out.stdout);
    let labels = stringMap(meta.labels);
    if (meta.labels === undefined && this.options.cluster) {
      // Helm before 3.18 leaves release labels out of `get metadata`; its storage object has them.
      const driver = /^configmaps?$/i.test(this.options.env?.HELM_DRIVER ?? '') ? 'configmaps' : 'secrets';
      const stored = await storedRelease(this.options.cluster, this.options.namespace, release, driver);
      if (stored && stored.revision === Number(meta.revision ?? 0)) labels = stored.labels ?? {};
    }
    const info: ReleaseInfo = {
      name: typeof meta.name === 'string' ? meta.name : release,
      namespace: typeof meta.namespace === 'string' ? meta.namespace : this.options.namespace,
      revision: Number(meta.revision ?? 0),
      status: typeof meta.status === 'string' ? meta.status : 'unknown',
      labels,
    };
    const checksum = labels[CHECKSUM_LABEL] ?? (await this.legacyChecksum(release, call));
    if (checksum !== undefined) info.checksum = checksum;
    info.owned = isOwnedRelease(labels, checksum);
    return info;
  }

  /** Names of every release in the namespace, in any state, sorted, except `ignoreRelease`. */
  async list(call: ExecutorCallOptions = {}): Promise<string[]> {
    const { major } = await this.version();
    const argv = ['list', '--output', 'json', '--max', '1000000'];
    if (major < 4) argv.splice(1, 0, '--all');
    const { stdout } = await this.run('list', argv, call);
    const rows = stdout.trim() === '' ? [] : parseJson<unknown>('list', stdout);
    const names = new Set<string>();
    for (const row of Array.isArray(rows) ? rows : []) {
      const name = (row as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') names.add(name);
    }
    return withoutIgnored([...names].sort(goCompare), this.options.ignoreRelease);
  }

  /** `helm template` output of the module's chart, through the render cache. */
  async render(module: string, chartValues: Values, call: ExecutorCallOptions = {}): Promise<RenderResult> {
    const chartDir = this.chartDir(module);
    const helm = this.helm();
    const produce = () =>
      renderChart({
        chartDir,
        release: module,
        module,
        namespace: this.options.namespace,
        values: chartValues,
        helm,
        env: this.options.env,
        tmpDir: this.options.tmpDir,
        ...(call.signal ? { signal: call.signal } : {}),
      });
    if (!this.cache) return produce();
    const { version } = await this.version();
    return this.cache.render(
      {
        chartDir,
        release: module,
        namespace: this.options.namespace,
        values: chartValues,
        helm: helmIdentity(helm, version),
      },
      produce,
    );
  }

  /**
   * `upgrade --install` with the release labels (moduleChecksum included), after recovering a
   * release left pending by an interrupted operation (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)).
   */
  async upgrade(
    module: string,
    chartValues: Values,
    options: {
      checksum: string;
      labels: Record<string, string>;
      rendered?: RenderResult;
    } & ExecutorCallOptions,
  ): Promise<ReleaseInfo> {
    const call: ExecutorCallOptions = options.signal ? { signal: options.signal } : {};
    const chartDir = this.chartDir(module);
    const version = await this.version();
    if (version.major === 3 && version.minor < 13) {
      throw new HelmCommandError(
        'upgrade',
        `${version.version} cannot set release labels: need helm >= 3.13`,
        null,
      );
    }
    await this.recoverPending(module, call);
    const labels = ownedLabels({ ...options.labels, [CHECKSUM_LABEL]: options.checksum });
    const dir = makePrivateTempDir('helm', this.options.tmpDir);
    try {
      const valuesFile = join(dir, `${module}.module-values.yaml`);
      writeFileSync(valuesFile, `${JSON.stringify(chartValues)}\n`, { mode: 0o600 });
      const argv = [
        'upgrade',
        '--install',
        module,
        this.chartPath(chartDir, module, dir),
        '--values',
        valuesFile,
        '--reset-values',
        '--labels',
        labelsFlag(labels),
        '--skip-crds',
        '--history-max',
        String(this.options.historyMax ?? 10),
        ...this.timeoutFlag(),
        '--output',
        'json',
      ];
      if (version.major > 3 || version.minor >= 17) argv.push('--take-ownership');
      const { stdout } = await this.run('upgrade', argv, { mutating: true, ...call });
      const release = parseJson<Record<string, unknown>>('upgrade', stdout);
      const info = (release.info ?? {}) as Record<string, unknown>;
      return {
        name: typeof release.name === 'string' ? release.name : module,
        namespace: typeof release.namespace === 'string' ? release.namespace : this.options.namespace,
        revision: Number(release.version ?? 0),
        status: typeof info.status === 'string' ? info.status : 'deployed',
        checksum: options.checksum,
        labels,
        owned: true,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** `helm uninstall` (history not kept). Rejects when helm fails, a missing release included. */
  async uninstall(release: string, call: ExecutorCallOptions = {}): Promise<void> {
    await this.run('uninstall', ['uninstall', release, ...this.timeoutFlag()], { mutating: true, ...call });
  }

  /** `helm get manifest`; undefined when the release does not exist. */
  async manifest(release: string, call: ExecutorCallOptions = {}): Promise<string | undefined> {
    try {
      return (await this.run('get manifest', ['get', 'manifest', release], call)).stdout;
    } catch (error) {
      if (error instanceof HelmCommandError && NOT_FOUND.test(error.stderr)) return undefined;
      throw error;
    }
  }

  /** `helm get values` (user-supplied values); undefined when the release does not exist. */
  async values(release: string, call: ExecutorCallOptions = {}): Promise<Values | undefined> {
    try {
      const { stdout } = await this.run('get values', ['get', 'values', release, '--output', 'json'], call);
      const values = parseJson<unknown>('get values', stdout);
      return values && typeof values === 'object' && !Array.isArray(values) ? (values as Values) : {};
    } catch (error) {
      if (error instanceof HelmCommandError && NOT_FOUND.test(error.stderr)) return undefined;
      throw error;
    }
  }

  /** `helm history`, oldest first; empty when the release does not exist. */
  async history(release: string, call: ExecutorCallOptions = {}): Promise<HistoryEntry[]> {
    let out: HelmOutput;
    try {
      out = await this.run('history', ['history', release, '--output', 'json'], call);
    } catch (error) {
      if (error instanceof HelmCommandError && NOT_FOUND.test(error.stderr)) return [];
      throw error;
    }
    const rows = parseJson<unknown>('history', out.stdout);
    return (Array.isArray(rows) ? rows : [])
      .map((row) => ({ revision: Number(row?.revision), status: String(row?.status ?? '') }))
      .filter((row) => Number.isFinite(row.revision))
      .sort((a, b) => a.revision - b.revision);
  }

  /**
   * Objects of the rendered manifest (or, when empty, the release's manifest) that the cluster
   * does not have (addon-operator pkg/helm_resources_manager/), listed per apiVersion, kind and namespace.
   */
  async absentResources(
    release: string,
    rendered: RenderResult,
    call: ExecutorCallOptions = {},
  ): Promise<ObjectRef[]> {
    const cluster = this.options.cluster;
    if (!cluster) return [];
    let objects = rendered.objects;
    if (objects.length === 0 && rendered.manifest.trim() === '') {
      objects = parseManifestObjects((await this.manifest(release, call)) ?? '');
    }
    return absentObjects(cluster, this.options.namespace, objects);
  }

  /** Rolls a pending release back to its last settled revision, or uninstalls it (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)). */
  private async recoverPending(release: string, call: ExecutorCallOptions): Promise<void> {
    const history = await this.history(release, call);
    const latest = history.at(-1);
    if (!latest?.status.toLowerCase().startsWith('pending')) return;
    const settled = history.filter((h) => !h.status.toLowerCase().startsWith('pending')).at(-1);
    const onlyOne = history.length === 1 || latest.revision === 1 || (this.options.historyMax ?? 10) === 1;
    if (!settled || onlyOne) {
      await this.uninstall(release, call);
      return;
    }
    await this.run(
      'rollback',
      [
        'rollback',
        release,
        String(settled.revision),
        '--history-max',
        String(this.options.historyMax ?? 10),
        ...this.timeoutFlag(),
      ],
      { mutating: true, ...call },
    );
  }

  private async storedStatus(
    release: string,
    driver: 'secrets' | 'configmaps',
    call: ExecutorCallOptions,
  ): Promise<ReleaseInfo | undefined> {
    const info = await storedRelease(this.options.cluster!, this.options.namespace, release, driver);
    if (!info) return undefined;
    const checksum = info.labels?.[CHECKSUM_LABEL] ?? (await this.legacyChecksum(release, call));
    if (checksum !== undefined) info.checksum = checksum;
    info.owned = isOwnedRelease(info.labels, checksum);
    return info;
  }

  /** The checksum an older addon-operator kept in the release values. */
  private async legacyChecksum(release: string, call: ExecutorCallOptions): Promise<string | undefined> {
    const values = await this.values(release, call);
    const legacy = values?.[LEGACY_CHECKSUM_VALUE];
    return typeof legacy === 'string' ? legacy : undefined;
  }

  private chartDir(module: string): string {
    const chartDir = this.options.charts(module);
    if (chartDir === undefined) throw new Error(`module ${module} has no helm chart`);
    return chartDir;
  }

  /** The chart to install: the module dir, or a copy with a synthesised Chart.yaml (addon-operator pkg/module_manager/models/modules/helm.go (release name)). */
  private chartPath(chartDir: string, module: string, tempDir: string): string {
    if (existsSync(join(chartDir, 'Chart.yaml'))) return chartDir;
    if (!existsSync(join(chartDir, 'templates'))) {
      throw new Error(`${chartDir} is not a helm chart: neither Chart.yaml nor templates/ exists`);
    }
    const chartPath = join(tempDir, 'chart');
    cpSync(chartDir, chartPath, {
      recursive: true,
      filter: (source) => !SYNTHESIS_EXCLUDED.has(relative(chartDir, source).split(/[\\/]/)[0]),
    });
    writeFileSync(join(chartPath, 'Chart.yaml'), `apiVersion: v2\nname: ${module}\nversion: 0.2.0\n`);
    return chartPath;
  }

  private timeoutMs(): number {
    return this.options.timeoutMs ?? 20 * 60_000;
  }

  private timeoutFlag(): string[] {
    return ['--timeout', `${this.timeoutMs()}ms`];
  }

  /** Runs helm with the namespace and kube flags; mutating commands get the kill grace on top. */
  private run(
    operation: string,
    argv: string[],
    how: { mutating?: boolean; cluster?: boolean } & ExecutorCallOptions = {},
  ): Promise<HelmOutput> {
    const full = [...argv];
    if (how.cluster !== false) {
      full.push('--namespace', this.options.namespace);
      if (this.options.kubeconfig) full.push('--kubeconfig', this.options.kubeconfig);
      if (this.options.kubeContext) full.push('--kube-context', this.options.kubeContext);
    }
    const deadlineMs = this.timeoutMs() + (how.mutating ? (this.options.killGraceMs ?? 30_000) : 0);
    return runHelm(this.helm(), operation, full, {
      env: this.options.env ?? process.env,
      deadlineMs,
      ...(how.signal ? { signal: how.signal } : {}),
      ...(this.options.trackProcessGroup ? { track: this.options.trackProcessGroup } : {}),
    });
  }
}
