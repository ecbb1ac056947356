/**
 * The embedded default's Helm: releases kept in memory, charts rendered like `helm template`,
 * rendered objects applied to a ClusterStore. An upgrade resolves only after the cluster has
 * handed every change to its watchers (read-your-writes, DESIGN "Embedded default"). Upgrades carry
 * the owner label; a seeded release without it or a `moduleChecksum` is foreign (release-ownership.ts).
 */

import type { ClusterStore } from '@converge/cluster-memory';
import type {
  ExecutorCallOptions,
  ReleaseExecutor,
  ReleaseInfo,
  RenderResult,
  StoreRecords,
  Values,
} from '@converge/core';
import { refuseRemovedApi } from '@converge/kube-model';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { goCompare } from './go-text.js';
import type { HelmMajor } from './manifest-order.js';
import { clusterScopedCustomKinds, isClusterScoped, refKey, releaseObjectRef } from './object-scope.js';
import { isOwnedRelease, ownedLabels, withoutIgnored } from './release-ownership.js';
import { type ReleaseRecord, ReleaseRecords } from './release-records.js';
import { helmIdentity, RenderCache } from './render-cache.js';
import { renderChart } from './render-chart.js';
import { type HelmEnv, resolveHelm } from './resolve-helm.js';
import { parseManifestObjects } from './yaml-docs.js';

/** A release that exists before the store starts (tests, `createTestEngine({ releases })`). */
export interface SeedRelease {
  name: string;
  namespace?: string;
  revision: number;
  status: string;
  checksum?: string;
  labels?: Record<string, string>;
  /** Its manifest; objects in it that a later upgrade no longer renders are deleted. */
  manifest?: string;
}

/** What `releases()` lists. */
export interface ReleaseSummary {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  checksum: string | undefined;
}

export type ReleaseOperation = 'render' | 'upgrade' | 'uninstall' | 'status' | 'list' | 'absentResources';

export interface InMemoryReleaseStoreOptions {
  cluster: ClusterStore;
  /** Release namespace; namespaced objects without one go here. */
  namespace: string;
  /** The chart directory of a module, or undefined when it has none. */
  charts: (module: string) => string | undefined;
  /** Helm binary for charts with template directives; see resolveHelm. */
  helm?: string;
  env?: HelmEnv;
  helmMajor?: HelmMajor;
  tmpDir?: string;
  /** Where to look for the extracted helm (tests). */
  searchFrom?: string;
  releases?: readonly SeedRelease[];
  /** Render cache to use (shared or own); `false` renders every time. Default: a cache of its own. */
  renderCache?: RenderCache | false;
  /** A release `list` never names, so the startup purge never touches it (AO's HELM_IGNORE_RELEASE). */
  ignoreRelease?: string;
  /**
   * Store records to keep the releases in (`EventStore.records`): the store starts with the
   * releases they hold (revision, status, labels, manifest) and writes one record per changed
   * release. Give the cluster the same records, so the objects survive with their releases.
   */
  records?: StoreRecords;
}

/** A release as the store keeps it: its record plus the objects of its manifest. */
interface StoredRelease extends ReleaseRecord {
  objects: KubeObject[];
}

/** The optional extension of the in-memory cluster that learns cluster-scoped kinds. */
interface LearnsScopes {
  addClusterScopedKind(kind: string): void;
}

function learnsScopes(cluster: ClusterStore): cluster is ClusterStore & LearnsScopes {
  return typeof (cluster as Partial<LearnsScopes>).addClusterScopedKind === 'function';
}

/** Helm's error for an object it cannot build from a manifest. */
function checkObject(object: KubeObject): void {
  const missing = !object.apiVersion
    ? 'apiVersion'
    : !object.kind
      ? 'kind'
      : !object.metadata?.name
        ? 'name'
        : '';
  if (missing) {
    throw new Error(
      `unable to build kubernetes objects from release manifest: ${missing} not set in ${JSON.stringify(object)}`,
    );
  }
}

/** In-memory ReleaseExecutor; release name = module name (addon-operator pkg/module_manager/models/modules/helm.go (release name)). */
export class InMemoryReleaseStore implements ReleaseExecutor {
  private readonly store = new Map<string, StoredRelease>();
  private readonly failures = new Map<ReleaseOperation, string[]>();
  private readonly cache: RenderCache | undefined;
  private readonly persisted: ReleaseRecords | undefined;

  constructor(private readonly options: InMemoryReleaseStoreOptions) {
    this.cache = options.renderCache === false ? undefined : (options.renderCache ?? new RenderCache());
    this.persisted = options.records && new ReleaseRecords(options.records);
    for (const stored of this.persisted?.restore() ?? [])
      this.store.set(stored.name, { ...stored, objects: parseManifestObjects(stored.manifest) });
    for (const seed of options.releases ?? []) this.seed(seed);
  }

  /** Adds or replaces a release without touching the cluster. */
  seed(release: SeedRelease): void {
    const manifest = release.manifest ?? '';
    const labels = { ...(release.labels ?? {}) };
    if (release.checksum !== undefined) labels.moduleChecksum = release.checksum;
    this.keep({
      name: release.name,
      namespace: release.namespace ?? this.options.namespace,
      revision: release.revision,
      status: release.status,
      checksum: release.checksum,
      labels,
      manifest,
      objects: parseManifestObjects(manifest),
    });
  }

  /** Makes the next call of `operation` reject with `message` (one failure per call of failNext). */
  failNext(operation: ReleaseOperation, message: string): void {
    const queue = this.failures.get(operation) ?? [];
    queue.push(message);
    this.failures.set(operation, queue);
  }

  /** Every release, sorted by name. */
  releases(): ReleaseSummary[] {
    return [...this.store.values()]
      .sort((a, b) => goCompare(a.name, b.name))
      .map(({ name, namespace, revision, status, checksum }) => ({
        name,
        namespace,
        revision,
        status,
        checksum,
      }));
  }

  /** The manifest of a release's current revision. */
  manifest(release: string): string | undefined {
    return this.store.get(release)?.manifest;
  }

  async status(release: string): Promise<ReleaseInfo | undefined> {
    this.injectedFailure('status');
    const stored = this.store.get(release);
    return stored && this.info(stored);
  }

  async list(): Promise<string[]> {
    this.injectedFailure('list');
    const names = [...this.store.values()]
      .filter((r) => r.namespace === this.options.namespace)
      .map((r) => r.name)
      .sort(goCompare);
    return withoutIgnored(names, this.options.ignoreRelease);
  }

  async render(module: string, chartValues: Values, call: ExecutorCallOptions = {}): Promise<RenderResult> {
    this.injectedFailure('render');
    const chartDir = this.options.charts(module);
    if (chartDir === undefined) throw new Error(`module ${module} has no helm chart`);
    const produce = () =>
      renderChart({
        chartDir,
        release: module,
        namespace: this.options.namespace,
        values: chartValues,
        module,
        helm: this.options.helm,
        env: this.options.env,
        helmMajor: this.options.helmMajor,
        tmpDir: this.options.tmpDir,
        searchFrom: this.options.searchFrom,
        ...(call.signal ? { signal: call.signal } : {}),
      });
    if (!this.cache) return produce();
    const key = {
      chartDir,
      release: module,
      namespace: this.options.namespace,
      values: chartValues,
      helm: helmIdentity(this.helmPath(), String(this.options.helmMajor ?? '')),
    };
    return this.cache.render(key, produce);
  }

  /** The helm that renderChart would run, or undefined when there is none. */
  private helmPath(): string | undefined {
    try {
      return resolveHelm({
        helm: this.options.helm,
        env: this.options.env,
        searchFrom: this.options.searchFrom,
      });
    } catch {
      return undefined;
    }
  }

  async upgrade(
    module: string,
    chartValues: Values,
    options: {
      checksum: string;
      labels: Record<string, string>;
      rendered?: RenderResult;
    } & ExecutorCallOptions,
  ): Promise<ReleaseInfo> {
    this.injectedFailure('upgrade');
    const rendered =
      options.rendered ??
      (await this.render(module, chartValues, options.signal ? { signal: options.signal } : {}));
    rendered.objects.forEach(checkObject);
    // As helm against a cluster: nothing is applied when one object's API is not served.
    rendered.objects.forEach(refuseRemovedApi);
    const previous = this.store.get(module);
    const namespace = previous?.namespace ?? this.options.namespace;
    const customKinds = await this.customKinds(rendered.objects);
    const next: StoredRelease = {
      name: module,
      namespace,
      revision: (previous?.revision ?? 0) + 1,
      status: 'deployed',
      checksum: options.checksum,
      labels: ownedLabels({ ...options.labels, moduleChecksum: options.checksum }),
      manifest: rendered.manifest,
      objects: rendered.objects.map((o) => structuredClone(o)),
    };
    try {
      const kept = new Set<string>();
      for (const object of rendered.objects) {
        const ref = releaseObjectRef(object, namespace, customKinds);
        kept.add(refKey(ref));
        this.options.cluster.put(this.placed(object, ref, customKinds));
      }
      for (const object of previous?.objects ?? []) {
        if (!object.apiVersion || !object.kind || !object.metadata?.name) continue;
        const ref = releaseObjectRef(object, namespace, customKinds);
        if (!kept.has(refKey(ref))) this.options.cluster.remove(ref);
      }
    } catch (error) {
      this.keep({ ...next, status: 'failed' });
      throw error;
    }
    this.keep(next);
    await this.options.cluster.quiesce();
    return this.info(next);
  }

  async uninstall(release: string): Promise<void> {
    this.injectedFailure('uninstall');
    const stored = this.store.get(release);
    if (!stored) throw new Error(`uninstall: Release not loaded: ${release}: release: not found`);
    const customKinds = await this.customKinds(stored.objects);
    for (const object of stored.objects) {
      if (!object.apiVersion || !object.kind || !object.metadata?.name) continue;
      this.options.cluster.remove(releaseObjectRef(object, stored.namespace, customKinds));
    }
    this.store.delete(release);
    this.persisted?.delete(release);
    await this.options.cluster.quiesce();
  }

  async absentResources(release: string, rendered: RenderResult): Promise<ObjectRef[]> {
    this.injectedFailure('absentResources');
    const namespace = this.store.get(release)?.namespace ?? this.options.namespace;
    const customKinds = await this.customKinds(rendered.objects);
    const absent: ObjectRef[] = [];
    for (const object of rendered.objects) {
      checkObject(object);
      const ref = releaseObjectRef(object, namespace, customKinds);
      if (!this.options.cluster.get(ref)) absent.push(ref);
    }
    return absent;
  }

  /** Sets a release in memory and in the records. */
  private keep(release: StoredRelease): void {
    this.store.set(release.name, release);
    this.persisted?.save(release);
  }

  private injectedFailure(operation: ReleaseOperation): void {
    const message = this.failures.get(operation)?.shift();
    if (message !== undefined) throw new Error(message);
  }

  private info(stored: StoredRelease): ReleaseInfo {
    const info: ReleaseInfo = {
      name: stored.name,
      namespace: stored.namespace,
      revision: stored.revision,
      status: stored.status,
      labels: { ...stored.labels },
      owned: isOwnedRelease(stored.labels, stored.checksum),
    };
    if (stored.checksum !== undefined) info.checksum = stored.checksum;
    return info;
  }

  /** Cluster-scoped custom kinds from the CRDs in the cluster and in `objects`. */
  private async customKinds(objects: readonly KubeObject[]): Promise<Set<string>> {
    const crds = await this.options.cluster.list({ kind: 'CustomResourceDefinition' });
    return clusterScopedCustomKinds([...crds, ...objects]);
  }

  /** A copy of `object` placed at `ref`, teaching a learning cluster the kind's scope first. */
  private placed(object: KubeObject, ref: ObjectRef, customKinds: ReadonlySet<string>): KubeObject {
    const copy = structuredClone(object);
    if (ref.namespace === undefined) {
      delete copy.metadata.namespace;
      const cluster = this.options.cluster;
      if (learnsScopes(cluster) && isClusterScoped(object.apiVersion, object.kind, customKinds)) {
        cluster.addClusterScopedKind(object.kind);
      }
    } else {
      copy.metadata.namespace = ref.namespace;
    }
    return copy;
  }
}
