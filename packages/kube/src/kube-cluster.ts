import type { ClusterSource, Logger, ObjectApplier, ObjectPatchOperation, Unsubscribe } from '@converge/core';
import {
  compareObjects,
  type JqPatchFunction,
  labelSelectorString,
  matchesSelector,
  narrowingQuery,
  ObjectPatchError,
  type ObjectPatchFailure,
} from '@converge/kube-model';
import type { KubeObject, ResourceSelector, WatchEvent } from '@converge/protocol';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiDiscovery } from './discovery.js';
import { listCollection, scopesOf } from './list-collection.js';
import { ObjectPatchApplier } from './object-patch-applier.js';
import { SelectorWatch } from './selector-watch.js';
import { KubeTransport } from './transport.js';

export interface KubeClusterOptions {
  /** jq for JQPatch operations (kube-model's JqPatchFunction); without it JQPatch fails clearly. */
  jq?: JqPatchFunction;
  /** Receives watch failures (they are retried); default: `logger.warn`, else stderr. */
  onWatchError?: (error: unknown, selector: ResourceSelector) => void;
  logger?: Logger;
  /** Namespace of namespaced objects that name none; default "default", as in memory. */
  defaultNamespace?: string;
  /** First delay before a failed watch is retried (doubling up to 30 s); default 500 ms. */
  watchRetryDelayMs?: number;
  /** How long a foreground Delete waits for the object to disappear; default 20 s (shell-operator pkg/kube/object_patch/patch.go). */
  deleteWaitMs?: number;
}

/**
 * A real Kubernetes cluster behind the cluster ports, through a client-node KubeConfig. Observed
 * through the ports it behaves like InMemoryCluster: `list` narrows on the server and filters
 * with kube-model's `matchesSelector` (sorted by `compareObjects`); `watch` has per-selector
 * Kubernetes watch semantics, reconnects, and relists after 410 Gone; `apply` runs every
 * object-patch operation and rejects with ObjectPatchError listing the failures. Kinds resolve
 * through API discovery. list and apply reject with KubeApiError, KubeConnectionError or
 * UnknownKindError; watch failures go to `onWatchError` and are retried.
 */
export class KubeCluster implements ClusterSource, ObjectApplier {
  private readonly transport: KubeTransport;
  private readonly discovery: ApiDiscovery;
  private readonly applier: ObjectPatchApplier;
  private readonly watches = new Set<SelectorWatch>();
  private readonly options: KubeClusterOptions;

  constructor(config: KubeConfig, options: KubeClusterOptions = {}) {
    this.options = options;
    this.transport = new KubeTransport(config);
    this.discovery = new ApiDiscovery(this.transport);
    this.applier = new ObjectPatchApplier(
      this.transport,
      this.discovery,
      options.jq,
      options.defaultNamespace ?? 'default',
      options.deleteWaitMs,
    );
  }

  /** Every object the selector selects, sorted by namespace, then name, then apiVersion. */
  async list(selector: ResourceSelector): Promise<KubeObject[]> {
    // A watch started before this list must have its starting point first, so the list is newer.
    await Promise.all([...this.watches].map((w) => w.started));
    const resource = await this.discovery.resolve(selector.apiVersion || undefined, selector.kind);
    const query = narrowingQuery(selector);
    const namespaceLabels = new Map<string, Record<string, string>>();
    if (selector.namespaceLabelSelector) {
      const namespaces = await this.discovery.resolve('v1', 'Namespace');
      const listed = await listCollection(this.transport, namespaces, undefined, {
        labelSelector: labelSelectorString(selector.namespaceLabelSelector),
      });
      for (const ns of listed.items) namespaceLabels.set(ns.metadata.name, ns.metadata.labels ?? {});
    }
    const scopes = await Promise.all(
      scopesOf(resource, selector).map((namespace) =>
        listCollection(this.transport, resource, namespace, query),
      ),
    );
    return (
      scopes
        .flatMap((scope) => scope.items)
        // The collection holds only the resolved kind, which a short name or plural selector names.
        .filter((object) =>
          matchesSelector({ ...selector, kind: resource.kind }, object, (ns) => namespaceLabels.get(ns)),
        )
        .sort(compareObjects)
    );
  }

  /**
   * Streams changes made after the watch's first list to objects the selector selects (entering
   * the scope Added, changing inside it Modified, leaving it or deleted Deleted), per namespace
   * scope in resourceVersion order. The returned function aborts the watch.
   */
  watch(selector: ResourceSelector, onEvent: (event: WatchEvent) => void): Unsubscribe {
    const watch = new SelectorWatch({
      transport: this.transport,
      discovery: this.discovery,
      selector,
      onEvent,
      onError: (error) => this.watchError(error, selector),
      retryDelayMs: this.options.watchRetryDelayMs,
    });
    this.watches.add(watch);
    return () => {
      watch.stop();
      this.watches.delete(watch);
    };
  }

  /**
   * Applies object-patch operations in order (shell-operator pkg/kube/object_patch/patch.go). Every operation is attempted; if any
   * failed, rejects with an ObjectPatchError listing them, and the others stay applied.
   */
  async apply(operations: readonly ObjectPatchOperation[]): Promise<void> {
    const failures: ObjectPatchFailure[] = [];
    for (const operation of operations) {
      const failure = await this.applier.apply(operation);
      if (failure) failures.push(failure);
    }
    if (failures.length > 0) throw new ObjectPatchError(failures);
  }

  /** Resolves when every open watch has made its first list attempt. */
  async ready(): Promise<void> {
    await Promise.all([...this.watches].map((w) => w.started));
  }

  /** Ends every watch. */
  close(): void {
    for (const watch of this.watches) watch.stop();
    this.watches.clear();
  }

  private watchError(error: unknown, selector: ResourceSelector): void {
    if (this.options.onWatchError) this.options.onWatchError(error, selector);
    else if (this.options.logger)
      this.options.logger.warn({ err: error, selector }, 'kubernetes watch failed; retrying');
    else console.error(`converge: kubernetes watch of ${selector.kind} failed, retrying: ${String(error)}`);
  }
}
