import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InMemoryCluster } from '@converge/cluster-memory';
import { KubeCluster, type KubeClusterOptions, loadKubeConfig } from '@converge/kube';
import type { JqPatchFunction } from '@converge/kube-model';
import type { KubeObject, WatchEvent } from '@converge/protocol';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';

/** A tiny jq for JQPatch tests: the filters the tests use, as functions. */
export const fakeJq: JqPatchFunction = (filter, input) => {
  const o = structuredClone(input) as KubeObject & { data?: Record<string, string>; status?: unknown };
  if (filter === '.data.foo = "bar"') return { ...o, data: { ...o.data, foo: 'bar' } };
  if (filter === '.status = {"phase":"Ready"}') return { ...o, status: { phase: 'Ready' } };
  if (filter === '.metadata.name = "renamed"') return { ...o, metadata: { ...o.metadata, name: 'renamed' } };
  if (filter === '.') return o;
  throw new Error(`jq: error: unknown filter ${filter}`);
};

/** A test API server over an InMemoryCluster and a KubeCluster talking to it over HTTP. */
export interface KubeRig {
  server: KubeApiServer;
  kube: KubeCluster;
  kubeconfig: string;
  close(): Promise<void>;
}

export async function startRig(
  objects: KubeObject[] = [],
  options: KubeClusterOptions & { cluster?: InMemoryCluster; port?: number } = {},
): Promise<KubeRig> {
  const { cluster, port, ...kubeOptions } = options;
  const server = await startKubeApiServer({
    ...(cluster ? { cluster } : {}),
    objects,
    ...(port ? { port } : {}),
  });
  const kubeconfig = server.writeKubeconfig(join(mkdtempSync(join(tmpdir(), 'converge-kube-')), 'config'));
  const kube = new KubeCluster(loadKubeConfig({ kubeconfig }), {
    jq: fakeJq,
    onWatchError: () => {},
    watchRetryDelayMs: 50,
    ...kubeOptions,
  });
  return {
    server,
    kube,
    kubeconfig,
    async close() {
      kube.close();
      await server.close();
    },
  };
}

/** Collects watch events; `next(n)` resolves once n have arrived (or rejects after a timeout). */
export class EventLog {
  readonly events: WatchEvent[] = [];
  private waiters: (() => void)[] = [];

  readonly push = (event: WatchEvent) => {
    this.events.push(event);
    for (const wake of this.waiters.splice(0)) wake();
  };

  async count(n: number, timeoutMs = 5000): Promise<WatchEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `expected ${n} watch events, got ${this.events.length}: ${this.summary().join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** `Type ns/name` per event. */
  summary(): string[] {
    return this.events.map((e) => `${e.type} ${e.object.metadata.namespace ?? ''}/${e.object.metadata.name}`);
  }
}

/** Waits a little to show that nothing more arrives. */
export const quietly = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

/** An object without the fields only a server or store assigns, for comparing states. */
export function comparable(object: KubeObject | undefined): unknown {
  if (!object) return undefined;
  const { uid, resourceVersion, creationTimestamp, generation, managedFields, ...metadata } =
    object.metadata as Record<string, unknown>;
  void [uid, resourceVersion, creationTimestamp, generation, managedFields];
  return { ...object, metadata };
}

export const cm = (
  name: string,
  namespace: string,
  labels?: Record<string, string>,
  data: Record<string, string> = {},
): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  data,
});

export const ns = (name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, ...(labels ? { labels } : {}) },
});

/** The CustomResourceDefinition of `example.com/v1` Widget (namespaced, plural `widgets`). */
export const widgetCrd = (): KubeObject =>
  ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
      versions: [{ name: 'v1', served: true, storage: true }],
    },
  }) as KubeObject;
