import type { ObjectPatchOperation, StoreRecords, Unsubscribe } from '@converge/core';
import { jsonEqual } from '@converge/core';
import {
  applyObjectPatch,
  BUILT_IN_RESOURCES,
  compareObjects,
  crdResources,
  DEFAULT_CLUSTER_SCOPED_KINDS,
  deepFreeze,
  type JqPatchFunction,
  matchesLabelSelector,
  matchesSelector,
  type NamespaceLabels,
  namesResource,
  ObjectIdentity,
  ObjectPatchError,
  type ObjectPatchFailure,
  type ResourceNames,
  refOf,
  refuseRemovedApi,
} from '@converge/kube-model';
import type { KubeObject, ObjectRef, ResourceSelector, WatchEvent, WatchEventType } from '@converge/protocol';
import { ClusterRecords } from './cluster-records.js';
import type { ClusterStore } from './cluster-store.js';

export interface InMemoryClusterOptions {
  /** Objects put into the cluster at construction, in order. */
  objects?: readonly KubeObject[];
  /** Makes `metadata.uid` for new objects; default: a counter formatted as a UUID. */
  generateUid?: () => string;
  /** Kinds that are cluster-scoped in addition to DEFAULT_CLUSTER_SCOPED_KINDS. */
  clusterScopedKinds?: Iterable<string>;
  /** jq for JQPatch operations; without it JQPatch fails with a clear error. */
  jq?: JqPatchFunction;
  /** Receives errors thrown by watch callbacks; default: rethrown from a microtask. */
  onWatcherError?: (error: unknown) => void;
  /**
   * Store records to keep the objects in (`EventStore.records`): the cluster starts with what they
   * hold, uids and resourceVersions included, and writes one record per changed object.
   */
  records?: StoreRecords;
}

/**
 * One write to the cluster, as `observe` reports it: the object before and after (absent when it
 * did not exist or was deleted) and `latest`, the after state or the deleted object's tombstone,
 * which carries the new resourceVersion. The objects are frozen.
 */
export interface ClusterChange {
  before: KubeObject | undefined;
  after: KubeObject | undefined;
  latest: KubeObject;
}

interface Watcher {
  selector: ResourceSelector;
  /** `selector` with its kind resolved to a Kind (kindNames), for the names version `at`. */
  typed?: { at: number; selector: ResourceSelector };
  onEvent: (event: WatchEvent) => void;
  /** Keys of the objects this watcher currently sees, with their namespaces. */
  visible: Map<string, string | undefined>;
  active: boolean;
}

interface Delivery {
  watcher: Watcher;
  type: WatchEventType;
  object: KubeObject;
}

/**
 * The embedded cluster: objects keyed by apiVersion/kind/namespace/name with uids and a
 * monotonically increasing resourceVersion, selector-based list and watch with Kubernetes watch
 * semantics per watcher (entering scope is Added, leaving it Deleted; objects of namespaces that
 * stop matching a namespace label selector vanish silently), and every object-patch operation.
 * Watch events are queued and delivered in order from a microtask; `quiesce()` waits for them.
 * Everything returned is a private deep copy.
 */
export class InMemoryCluster implements ClusterStore {
  private readonly identity: ObjectIdentity;
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Set<Watcher>();
  private readonly observers = new Set<(change: ClusterChange) => void>();
  private readonly generateUid: () => string;
  private readonly jq: JqPatchFunction | undefined;
  private readonly onWatcherError: (error: unknown) => void;
  private deliveries: Delivery[] = [];
  private deliveryHead = 0;
  private draining = false;
  private drainScheduled = false;
  private idleWaiters: (() => void)[] = [];
  private lastResourceVersion = 0;
  private uidCounter = 0;
  private readonly persisted: ClusterRecords | undefined;
  private readonly learnedKinds = new Set<string>();
  /** Bumped when a CustomResourceDefinition changes, so kind names are resolved again. */
  private namesVersion = 0;
  private names: { at: number; resources: ResourceNames[] } | undefined;
  private readonly namespaceLabels: NamespaceLabels = (namespace) => {
    const ns = this.objects.get(this.identity.key({ apiVersion: 'v1', kind: 'Namespace', name: namespace }));
    return ns ? (ns.metadata.labels ?? {}) : undefined;
  };

  constructor(options: InMemoryClusterOptions = {}) {
    this.identity = new ObjectIdentity([
      ...DEFAULT_CLUSTER_SCOPED_KINDS,
      ...(options.clusterScopedKinds ?? []),
    ]);
    this.generateUid = options.generateUid ?? (() => counterUid(++this.uidCounter));
    this.jq = options.jq;
    this.onWatcherError =
      options.onWatcherError ??
      ((error) =>
        queueMicrotask(() => {
          throw error;
        }));
    this.persisted = options.records && new ClusterRecords(options.records);
    if (this.persisted) this.restore(this.persisted);
    for (const object of options.objects ?? []) this.put(object);
  }

  /** Declares one more cluster-scoped kind; objects put later are stored without a namespace. */
  addClusterScopedKind(kind: string): void {
    const known = this.identity.isClusterScoped(kind);
    this.identity.addClusterScopedKind(kind);
    if (!known && this.persisted) {
      this.learnedKinds.add(kind);
      this.saveMeta();
    }
  }

  /** Whether objects of `kind` are cluster-scoped. */
  isClusterScoped(kind: string): boolean {
    return this.identity.isClusterScoped(kind);
  }

  /** The ref with its namespace resolved ("default" when absent, none for cluster-scoped kinds). */
  normalizeRef(ref: ObjectRef): ObjectRef {
    return this.identity.normalizeRef(ref);
  }

  /** The newest resourceVersion handed out ("0" before any write). */
  get resourceVersion(): string {
    return String(this.lastResourceVersion);
  }

  get(ref: ObjectRef): KubeObject | undefined {
    const object = this.objects.get(this.identity.key(ref));
    return object && structuredClone(object);
  }

  /**
   * Creates or replaces an object and returns the stored copy. A new object gets a uid; a
   * replacement keeps the uid. A write that changes nothing keeps the resourceVersion and
   * emits no event, as the API server does.
   */
  put(object: KubeObject): KubeObject {
    if (!object?.apiVersion || !object.kind || !object.metadata?.name) {
      throw new TypeError('an object needs apiVersion, kind and metadata.name');
    }
    refuseRemovedApi(object);
    const next: KubeObject = structuredClone(object);
    const ref = this.identity.normalizeRef(refOf(next));
    if (ref.namespace === undefined) delete next.metadata.namespace;
    else next.metadata.namespace = ref.namespace;
    const key = this.identity.key(ref);
    const before = this.objects.get(key);
    withNamespacePhase(next, before);
    if (before) {
      next.metadata.uid = before.metadata.uid;
      next.metadata.resourceVersion = before.metadata.resourceVersion;
      if (jsonEqual(next, before)) return structuredClone(before);
    } else {
      next.metadata.uid = this.generateUid();
    }
    next.metadata.resourceVersion = this.nextResourceVersion();
    deepFreeze(next);
    this.objects.set(key, next);
    if (this.persisted) {
      if (!before) this.saveMeta();
      this.persisted.saveObject(key, next);
    }
    this.changed(key, before, next, next);
    return structuredClone(next);
  }

  /** Deletes an object; false when it did not exist. Watchers get its last state with a new resourceVersion. */
  remove(ref: ObjectRef): boolean {
    const key = this.identity.key(ref);
    const before = this.objects.get(key);
    if (!before) return false;
    this.objects.delete(key);
    const tombstone = deepFreeze({
      ...before,
      metadata: { ...before.metadata, resourceVersion: this.nextResourceVersion() },
    });
    if (this.persisted) {
      this.saveMeta();
      this.persisted.deleteObject(key);
    }
    this.changed(key, before, undefined, tombstone);
    return true;
  }

  /** Every apiVersion and kind some object in the cluster has, each once. */
  objectTypes(): { apiVersion: string; kind: string }[] {
    const seen = new Map<string, { apiVersion: string; kind: string }>();
    for (const { apiVersion, kind } of this.objects.values())
      seen.set(`${apiVersion}|${kind}`, { apiVersion, kind });
    return [...seen.values()];
  }

  /** Every object the selector selects, sorted by namespace, then name, then apiVersion. */
  async list(selector: ResourceSelector): Promise<KubeObject[]> {
    return this.listSync(selector);
  }

  /** `list` without the promise, for tests and the in-memory release store. */
  listSync(selector: ResourceSelector): KubeObject[] {
    const found: KubeObject[] = [];
    const typed = this.typed(selector);
    for (const object of this.objects.values()) {
      if (matchesSelector(typed, object, this.namespaceLabels)) found.push(structuredClone(object));
    }
    return found.sort(compareObjects);
  }

  /**
   * Streams changes made after this call to objects the selector selects: an object entering
   * the scope is Added, changing inside it Modified, leaving it or being deleted Deleted.
   */
  watch(selector: ResourceSelector, onEvent: (event: WatchEvent) => void): Unsubscribe {
    const watcher: Watcher = { selector, onEvent, visible: new Map(), active: true };
    const typed = this.watcherSelector(watcher);
    for (const [key, object] of this.objects) {
      if (matchesSelector(typed, object, this.namespaceLabels)) {
        watcher.visible.set(key, object.metadata.namespace);
      }
    }
    this.watchers.add(watcher);
    return () => {
      watcher.active = false;
      this.watchers.delete(watcher);
    };
  }

  /**
   * Calls `listener` synchronously for every write from now on, in resourceVersion order, before
   * any watcher hears of it (the test API server keeps its watch history with this).
   */
  observe(listener: (change: ClusterChange) => void): Unsubscribe {
    this.observers.add(listener);
    return () => this.observers.delete(listener);
  }

  /**
   * Applies object-patch operations in order (shell-operator pkg/kube/object_patch/patch.go). Every operation is attempted; if any
   * failed, rejects with an ObjectPatchError listing them, and the others stay applied.
   */
  async apply(operations: readonly ObjectPatchOperation[]): Promise<void> {
    const failures: ObjectPatchFailure[] = [];
    for (const given of operations) {
      // A patch or delete may name its kind by plural or short name, as through discovery.
      const operation =
        'kind' in given
          ? { ...given, kind: this.typed({ apiVersion: given.apiVersion, kind: given.kind }).kind }
          : given;
      const failure = applyObjectPatch(this, operation, this.jq);
      if (failure) failures.push(failure);
    }
    if (failures.length > 0) throw new ObjectPatchError(failures);
  }

  /** Resolves once every watcher has been handed every change made so far (and those they caused). */
  quiesce(): Promise<void> {
    if (!this.draining && !this.drainScheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Takes the counters, learned kinds and objects from the records, without telling anyone. */
  private restore(persisted: ClusterRecords) {
    const { meta, objects } = persisted.restore();
    for (const kind of meta.clusterScopedKinds) {
      this.identity.addClusterScopedKind(kind);
      this.learnedKinds.add(kind);
    }
    this.lastResourceVersion = meta.resourceVersion;
    this.uidCounter = meta.uidCounter;
    for (const object of objects) this.objects.set(this.identity.key(refOf(object)), deepFreeze(object));
  }

  /**
   * The selector with its kind resolved the way kubectl and addon-operator's kube client resolve
   * it through discovery (flant/kube-client getApiResourceFromResourceLists): a Kind, plural,
   * singular or short name of a built-in kind or of a CustomResourceDefinition in this cluster
   * names that Kind. An unknown name is kept (it then matches by Kind or a guessed plural).
   */
  private typed(selector: ResourceSelector): ResourceSelector {
    if (!selector.kind) return selector;
    if (!this.names || this.names.at !== this.namesVersion) {
      const crds = [...this.objects.values()].filter((o) => o.kind === 'CustomResourceDefinition');
      this.names = {
        at: this.namesVersion,
        resources: [...BUILT_IN_RESOURCES, ...crds.flatMap(crdResources)],
      };
    }
    const found = this.names.resources.find(
      (r) =>
        (!selector.apiVersion || selector.apiVersion === (r.group ? `${r.group}/${r.version}` : r.version)) &&
        namesResource(selector.kind, r),
    );
    return found && found.kind !== selector.kind ? { ...selector, kind: found.kind } : selector;
  }

  private watcherSelector(watcher: Watcher): ResourceSelector {
    if (watcher.typed?.at !== this.namesVersion)
      watcher.typed = { at: this.namesVersion, selector: this.typed(watcher.selector) };
    return watcher.typed.selector;
  }

  private saveMeta() {
    this.persisted?.saveMeta({
      resourceVersion: this.lastResourceVersion,
      uidCounter: this.uidCounter,
      clusterScopedKinds: [...this.learnedKinds],
    });
  }

  private nextResourceVersion(): string {
    this.lastResourceVersion += 1;
    return String(this.lastResourceVersion);
  }

  private changed(
    key: string,
    before: KubeObject | undefined,
    after: KubeObject | undefined,
    latest: KubeObject,
  ) {
    for (const observer of this.observers) observer({ before, after, latest });
    if (latest.kind === 'CustomResourceDefinition') this.namesVersion++;
    const isNamespace = latest.apiVersion === 'v1' && latest.kind === 'Namespace';
    for (const watcher of this.watchers) {
      if (isNamespace && watcher.selector.namespaceLabelSelector) {
        this.namespaceScopeChanged(watcher, latest.metadata.name, before, after);
      }
      const wasVisible = watcher.visible.has(key);
      if (after && matchesSelector(this.watcherSelector(watcher), after, this.namespaceLabels)) {
        watcher.visible.set(key, after.metadata.namespace);
        this.enqueue(watcher, wasVisible ? 'Modified' : 'Added', after);
      } else if (wasVisible) {
        watcher.visible.delete(key);
        // Leaving the scope reports the previous content with the new resourceVersion.
        const gone = after
          ? deepFreeze({
              ...before!,
              metadata: { ...before!.metadata, resourceVersion: latest.metadata.resourceVersion },
            })
          : latest;
        this.enqueue(watcher, 'Deleted', gone);
      }
    }
  }

  /** A Namespace changed: its objects join the watcher as Added, or leave it without events. */
  private namespaceScopeChanged(
    watcher: Watcher,
    namespace: string,
    before: KubeObject | undefined,
    after: KubeObject | undefined,
  ) {
    const selector = watcher.selector.namespaceLabelSelector;
    const matched = before !== undefined && matchesLabelSelector(selector, before.metadata.labels ?? {});
    const matches = after !== undefined && matchesLabelSelector(selector, after.metadata.labels ?? {});
    if (matched && !matches) {
      for (const [key, ns] of watcher.visible) if (ns === namespace) watcher.visible.delete(key);
    } else if (!matched && matches) {
      const entering: KubeObject[] = [];
      for (const [key, object] of this.objects) {
        if (object.metadata.namespace !== namespace || watcher.visible.has(key)) continue;
        if (!matchesSelector(this.watcherSelector(watcher), object, this.namespaceLabels)) continue;
        watcher.visible.set(key, namespace);
        entering.push(object);
      }
      for (const object of entering.sort(compareObjects)) this.enqueue(watcher, 'Added', object);
    }
  }

  private enqueue(watcher: Watcher, type: WatchEventType, object: KubeObject) {
    this.deliveries.push({ watcher, type, object });
    if (!this.draining && !this.drainScheduled) {
      this.drainScheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  private drain() {
    this.drainScheduled = false;
    this.draining = true;
    try {
      while (this.deliveryHead < this.deliveries.length) {
        const { watcher, type, object } = this.deliveries[this.deliveryHead++];
        if (!watcher.active) continue;
        try {
          watcher.onEvent({ type, object: structuredClone(object) });
        } catch (error) {
          this.onWatcherError(error);
        }
      }
    } finally {
      this.deliveries = [];
      this.deliveryHead = 0;
      this.draining = false;
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

function counterUid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/**
 * A Namespace without `status.phase` gets the one it had, else `Active`, as the API server's
 * namespace strategy sets it, so hooks that select Active namespaces find them.
 */
function withNamespacePhase(next: KubeObject, before: KubeObject | undefined): void {
  if (next.apiVersion !== 'v1' || next.kind !== 'Namespace') return;
  const status = (next as { status?: Record<string, unknown> }).status;
  if (typeof status?.phase === 'string') return;
  const previous = (before as { status?: { phase?: unknown } } | undefined)?.status?.phase;
  (next as { status?: Record<string, unknown> }).status = {
    ...(status ?? {}),
    phase: typeof previous === 'string' ? previous : 'Active',
  };
}
