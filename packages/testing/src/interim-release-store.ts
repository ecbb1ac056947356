// INTERIM: replaced by @converge/helm's InMemoryReleaseStore when it lands. Do not build on it.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterStore, ReleaseExecutor, ReleaseInfo, RenderResult, Values } from '@converge/core';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { parseAllDocuments } from 'yaml';

export interface SeedRelease {
  name: string;
  namespace?: string;
  revision?: number;
  status?: string;
  checksum?: string;
}

interface Stored extends ReleaseInfo {
  objects: KubeObject[];
}

export class InterimReleaseStore implements ReleaseExecutor {
  private readonly store = new Map<string, Stored>();
  private readonly failures = new Map<string, string>();
  constructor(
    private readonly o: {
      cluster: ClusterStore;
      namespace: string;
      charts: (m: string) => string | undefined;
    },
  ) {}

  seed(r: SeedRelease): void {
    this.store.set(r.name, {
      name: r.name,
      namespace: r.namespace ?? this.o.namespace,
      revision: r.revision ?? 1,
      status: r.status ?? 'deployed',
      checksum: r.checksum,
      objects: [],
    });
  }
  failNext(operation: string, message: string): void {
    this.failures.set(operation, message);
  }
  private maybeFail(op: string): void {
    const m = this.failures.get(op);
    if (m !== undefined) {
      this.failures.delete(op);
      throw new Error(m);
    }
  }
  releases() {
    return [...this.store.values()]
      .sort((a, b) => (a.name < b.name ? -1 : 1))
      .map(({ name, namespace, revision, status, checksum }) => ({
        name,
        namespace,
        revision,
        status,
        checksum,
      }));
  }
  async status(release: string) {
    this.maybeFail('status');
    const r = this.store.get(release);
    return r ? { ...r } : undefined;
  }
  async list() {
    this.maybeFail('list');
    return [...this.store.keys()].sort();
  }
  async render(module: string, _values: Values): Promise<RenderResult> {
    this.maybeFail('render');
    const dir = this.o.charts(module);
    const tdir = dir ? join(dir, 'templates') : undefined;
    const files =
      tdir && existsSync(tdir)
        ? readdirSync(tdir)
            .filter((f) => f.endsWith('.yaml'))
            .sort()
        : [];
    const manifest = files
      .map((f) => `---\n# Source: ${module}/templates/${f}\n${readFileSync(join(tdir!, f), 'utf8')}`)
      .join('');
    const objects = files.flatMap((f) =>
      parseAllDocuments(readFileSync(join(tdir!, f), 'utf8'))
        .map((d) => d.toJS() as KubeObject)
        .filter((o) => o && typeof o === 'object'),
    );
    return { manifest, checksum: createHash('md5').update(manifest).digest('hex'), objects };
  }
  private withNs(o: KubeObject): KubeObject {
    return { ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? this.o.namespace } };
  }
  async upgrade(module: string, values: Values, options: { checksum: string; rendered?: RenderResult }) {
    this.maybeFail('upgrade');
    const rendered = options.rendered ?? (await this.render(module, values));
    for (const o of rendered.objects) this.o.cluster.put(this.withNs(o));
    const prev = this.store.get(module);
    const r: Stored = {
      name: module,
      namespace: this.o.namespace,
      revision: (prev?.revision ?? 0) + 1,
      status: 'deployed',
      checksum: options.checksum,
      objects: rendered.objects.map((o) => this.withNs(o)),
    };
    this.store.set(module, r);
    await this.o.cluster.quiesce();
    return { ...r };
  }
  async uninstall(release: string) {
    this.maybeFail('uninstall');
    const r = this.store.get(release);
    if (!r) throw new Error(`uninstall: Release not loaded: ${release}: release: not found`);
    for (const o of r.objects) this.o.cluster.remove(ref(o));
    this.store.delete(release);
    await this.o.cluster.quiesce();
  }
  async absentResources(_release: string, rendered: RenderResult): Promise<ObjectRef[]> {
    return rendered.objects.map((o) => ref(this.withNs(o))).filter((r) => !this.o.cluster.get(r));
  }
}

const ref = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  namespace: o.metadata.namespace,
  name: o.metadata.name,
});
