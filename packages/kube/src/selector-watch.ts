import {
  compareObjects,
  labelSelectorString,
  matchesLabelSelector,
  matchesSelector,
  narrowingQuery,
} from '@converge/kube-model';
import type { KubeObject, ResourceSelector, WatchEvent, WatchEventType } from '@converge/protocol';
import type { ApiDiscovery, ApiResource } from './discovery.js';
import type { ListedCollection } from './list-collection.js';
import { scopesOf } from './list-collection.js';
import { Reflector } from './reflector.js';
import type { KubeTransport } from './transport.js';

export interface SelectorWatchOptions {
  transport: KubeTransport;
  discovery: ApiDiscovery;
  selector: ResourceSelector;
  onEvent: (event: WatchEvent) => void;
  onError: (error: unknown) => void;
  retryDelayMs?: number;
}

const NAMESPACE_SELECTOR = { apiVersion: 'v1', kind: 'Namespace' } as const;

/**
 * Kubernetes watch semantics for one selector, as InMemoryCluster.watch has them: a cache of the
 * server-side narrowed objects (one Reflector per namespace scope) projected through
 * `matchesSelector`. Entering the scope is Added, changing inside it Modified, leaving it or
 * being deleted Deleted (the last content seen, with the new resourceVersion). With a namespace
 * label selector, Namespaces are followed too: objects of a namespace that starts matching are
 * Added (sorted), those of one that stops matching vanish without events. Only changes after the
 * first list are reported; a relist after 410 Gone reports the difference.
 */
export class SelectorWatch {
  private readonly known = new Map<string, KubeObject>();
  private readonly visible = new Map<string, KubeObject>();
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly reflectors: Reflector[] = [];
  private stopped = false;
  /** Resolves when every reflector has made its first list attempt. */
  readonly started: Promise<void>;

  constructor(private readonly options: SelectorWatchOptions) {
    this.started = this.start();
  }

  stop(): void {
    this.stopped = true;
    for (const reflector of this.reflectors) reflector.stop();
  }

  private async start(): Promise<void> {
    const { selector, discovery, transport } = this.options;
    const resolve = (s: { apiVersion?: string; kind: string }) => () =>
      discovery.resolve(s.apiVersion, s.kind);
    if (selector.namespaceLabelSelector) {
      const namespaces = new Reflector({
        transport,
        resource: resolve(NAMESPACE_SELECTOR),
        namespace: undefined,
        query: { labelSelector: labelSelectorString(selector.namespaceLabelSelector) },
        handlers: {
          onList: (collection, initial) => this.namespacesListed(collection, initial),
          onEvent: (type, object) =>
            this.namespaceChanged(object.metadata.name, type === 'DELETED' ? undefined : object),
          onError: (error) => this.options.onError(error),
        },
        retryDelayMs: this.options.retryDelayMs,
      });
      this.reflectors.push(namespaces);
      await namespaces.start();
    }
    let resource: ApiResource;
    try {
      resource = await discovery.resolve(selector.apiVersion, selector.kind);
    } catch (error) {
      // Not served (yet): one cluster-wide scope that resolves the kind on each retry.
      this.options.onError(error);
      resource = { apiVersion: '', kind: selector.kind, name: '', namespaced: false, subresources: [] };
    }
    if (this.stopped) return;
    const query = narrowingQuery(selector);
    const starts = scopesOf(resource, selector).map((namespace) => {
      const reflector = new Reflector({
        transport,
        resource: resolve(selector),
        namespace,
        query,
        handlers: {
          onList: (collection, initial) => this.listed(namespace, collection, initial),
          onEvent: (type, object) => {
            if (type === 'DELETED') this.removed(object);
            else this.upserted(object);
          },
          onError: (error) => this.options.onError(error),
        },
        retryDelayMs: this.options.retryDelayMs,
      });
      this.reflectors.push(reflector);
      return reflector.start();
    });
    await Promise.all(starts);
  }

  private nsLabels = (namespace: string) => this.namespaceLabels.get(namespace);

  /** The reflectors list and watch only the resolved kind, which a short name or plural names. */
  private matches(object: KubeObject): boolean {
    return matchesSelector({ ...this.options.selector, kind: object.kind }, object, this.nsLabels);
  }

  private upserted(object: KubeObject): void {
    const key = keyOf(object);
    const version = object.metadata.resourceVersion;
    if (version && this.known.get(key)?.metadata.resourceVersion === version) return; // replayed
    this.known.set(key, object);
    this.project(key, object);
  }

  private removed(object: KubeObject): void {
    const key = keyOf(object);
    this.known.delete(key);
    const previous = this.visible.get(key);
    if (!previous) return;
    this.visible.delete(key);
    this.emit('Deleted', withResourceVersion(previous, object.metadata.resourceVersion));
  }

  /** Re-evaluates one known object against the selector and reports a scope change. */
  private project(key: string, object: KubeObject): void {
    const previous = this.visible.get(key);
    if (this.matches(object)) {
      this.visible.set(key, object);
      this.emit(previous ? 'Modified' : 'Added', object);
    } else if (previous) {
      this.visible.delete(key);
      this.emit('Deleted', withResourceVersion(previous, object.metadata.resourceVersion));
    }
  }

  /** A (re)list of one scope: silently adopted the first time, otherwise diffed into events. */
  private listed(namespace: string | undefined, collection: ListedCollection, initial: boolean): void {
    const inScope = (o: KubeObject) => namespace === undefined || o.metadata.namespace === namespace;
    if (initial) {
      for (const object of collection.items) {
        const key = keyOf(object);
        this.known.set(key, object);
        if (this.matches(object)) this.visible.set(key, object);
      }
      return;
    }
    const fresh = new Map(collection.items.map((o) => [keyOf(o), o]));
    const changed = collection.items
      .filter((o) => this.known.get(keyOf(o))?.metadata.resourceVersion !== o.metadata.resourceVersion)
      .sort(byResourceVersion);
    for (const object of changed) this.upserted(object);
    const gone = [...this.known.values()]
      .filter((o) => inScope(o) && !fresh.has(keyOf(o)))
      .sort(compareObjects);
    for (const object of gone) this.removed(withResourceVersion(object, collection.resourceVersion));
  }

  private namespacesListed(collection: ListedCollection, initial: boolean): void {
    if (initial) {
      for (const ns of collection.items) this.namespaceLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
      return;
    }
    const fresh = new Map(collection.items.map((ns) => [ns.metadata.name, ns]));
    for (const name of [...this.namespaceLabels.keys()])
      if (!fresh.has(name)) this.namespaceChanged(name, undefined);
    for (const [name, ns] of fresh) this.namespaceChanged(name, ns);
  }

  /** A Namespace changed (undefined: gone or no longer selected by the server). */
  private namespaceChanged(name: string, namespace: KubeObject | undefined): void {
    const selector = this.options.selector.namespaceLabelSelector;
    const before = this.namespaceLabels.get(name);
    const after = namespace ? (namespace.metadata.labels ?? {}) : undefined;
    if (after) this.namespaceLabels.set(name, after);
    else this.namespaceLabels.delete(name);
    const matched = before !== undefined && matchesLabelSelector(selector, before);
    const matches = after !== undefined && matchesLabelSelector(selector, after);
    if (matched && !matches) {
      for (const [key, object] of this.visible)
        if (object.metadata.namespace === name) this.visible.delete(key);
    } else if (!matched && matches) {
      const entering = [...this.known.values()]
        .filter((o) => o.metadata.namespace === name && !this.visible.has(keyOf(o)))
        .sort(compareObjects);
      for (const object of entering) this.project(keyOf(object), object);
    }
  }

  private emit(type: WatchEventType, object: KubeObject): void {
    if (this.stopped) return;
    try {
      this.options.onEvent({ type, object: structuredClone(object) });
    } catch (error) {
      this.options.onError(error);
    }
  }
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function withResourceVersion(object: KubeObject, resourceVersion: string | undefined): KubeObject {
  if (!resourceVersion) return object;
  return { ...object, metadata: { ...object.metadata, resourceVersion } };
}

function byResourceVersion(a: KubeObject, b: KubeObject): number {
  const x = Number(a.metadata.resourceVersion);
  const y = Number(b.metadata.resourceVersion);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return compareObjects(a, b);
}
