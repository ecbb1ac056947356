import type { ClusterSource, HookWatch, Unsubscribe } from '@converge/core';
import { deepFreeze, describeRef, refOf } from '@converge/kube-model';
import type { KubeObject, WatchEvent, WatchEventType } from '@converge/protocol';
import { checksumOf } from './checksum.js';
import { BindingMonitorError } from './errors.js';
import { collectJqResults, type JqEngine } from './jq-engine.js';

/** One snapshot item (HP §2.4): `object` unless keepFullObjectsInMemory is false, `filterResult` when filtered. */
export interface SnapshotItem {
  object?: KubeObject;
  filterResult?: unknown;
}

/** A watch event that passed suppression and the binding's executeHookOnEvent; deep-frozen. */
export interface BindingMonitorEvent {
  watchEvent: WatchEventType;
  /** The item as it was when the event happened, not as it is when the hook runs. */
  item: SnapshotItem;
  bindingName: string;
}

export interface BindingMonitorOptions {
  source: ClusterSource;
  watch: HookWatch;
  /** Needed when the binding has a jqFilter (and no in-code filter). */
  jq?: JqEngine;
  /** Receives emitted events: buffered while locked, in order. */
  onEvent?: (event: BindingMonitorEvent) => void;
  /** Receives a filter failure on a watch event; that event is dropped. */
  onError?: (error: BindingMonitorError) => void;
}

interface CachedItem {
  id: string;
  namespace: string;
  name: string;
  checksum: string;
  object?: KubeObject;
  filterResult?: unknown;
}

type Phase = 'idle' | 'starting' | 'running' | 'stopped';

/**
 * The informer of one kubernetes binding (AO §8.5, HP §2.5–§2.8). `start()` lists the selected
 * objects into a checksummed cache and watches with events locked; `snapshot()` renders the cache
 * (and, while locked, discards buffered events); `unlock()` releases buffered events in order.
 * Added/Modified events whose checksum did not change are suppressed; Deleted always passes; only
 * types in executeHookOnEvent are emitted, though the cache follows every event.
 */
export class BindingMonitor {
  readonly bindingName: string;
  private readonly watchConfig: HookWatch;
  private readonly source: ClusterSource;
  private readonly jq: JqEngine | undefined;
  private readonly onEvent: (event: BindingMonitorEvent) => void;
  private readonly onError: (error: BindingMonitorError) => void;
  private readonly cache = new Map<string, CachedItem>();
  private buffer: BindingMonitorEvent[] = [];
  private isLocked = true;
  private phase: Phase = 'idle';
  private unsubscribes: Unsubscribe[] = [];

  constructor(options: BindingMonitorOptions) {
    this.watchConfig = options.watch;
    this.bindingName = options.watch.name;
    this.source = options.source;
    this.jq = options.jq;
    this.onEvent = options.onEvent ?? (() => {});
    this.onError = options.onError ?? (() => {});
  }

  /** Whether events are still held back until `unlock()`. */
  get locked(): boolean {
    return this.isLocked;
  }

  /** Whether `start()` has completed and `stop()` has not been called. */
  get running(): boolean {
    return this.phase === 'running';
  }

  /**
   * Lists the objects, fills the cache and starts watching with events locked. Rejects with a
   * BindingMonitorError when the list fails, a filter throws on a listed object, or the binding
   * has a jqFilter but no jq engine was given; the monitor then watches nothing.
   */
  async start(): Promise<void> {
    if (this.phase !== 'idle') throw this.error(`binding monitor "${this.bindingName}" was already started`);
    const { selector, jqFilter, filter } = this.watchConfig;
    if (jqFilter && !filter && !this.jq) {
      throw this.error(
        `kubernetes binding "${this.bindingName}" has a jqFilter but no jq engine was configured`,
      );
    }
    this.phase = 'starting';
    // Watch before listing; events that arrive meanwhile are replayed against the listed cache.
    const early: { namespaceScope: boolean; event: WatchEvent }[] = [];
    const route = (namespaceScope: boolean) => (event: WatchEvent) => {
      if (this.phase === 'starting') early.push({ namespaceScope, event });
      else if (namespaceScope) this.namespaceEvent(event);
      else this.watchEvent(event);
    };
    this.unsubscribes.push(this.source.watch(selector, route(false)));
    if (selector.namespaceLabelSelector) {
      const namespaces = {
        apiVersion: 'v1',
        kind: 'Namespace',
        labelSelector: selector.namespaceLabelSelector,
      };
      this.unsubscribes.push(this.source.watch(namespaces, route(true)));
    }
    try {
      const objects = await this.source.list(selector);
      if (this.phase !== 'starting') return;
      for (const object of objects) {
        const item = this.render(object);
        this.cache.set(item.id, item);
      }
    } catch (error) {
      this.unwatch();
      this.cache.clear();
      this.phase = 'idle';
      throw error instanceof BindingMonitorError
        ? error
        : this.error(
            `kubernetes binding "${this.bindingName}": list failed: ${messageOf(error)}`,
            undefined,
            error,
          );
    }
    this.phase = 'running';
    for (const { namespaceScope, event } of early) {
      if (namespaceScope) this.namespaceEvent(event);
      else this.watchEvent(event);
    }
  }

  /**
   * The current items sorted by namespace then name (by `namespace/Kind/name` when full objects
   * are not kept), as fresh copies. While locked, reading discards the buffered events: the
   * snapshot already represents them.
   */
  snapshot(): SnapshotItem[] {
    if (this.isLocked) this.buffer = [];
    const items = [...this.cache.values()];
    if (this.watchConfig.keepFullObjectsInMemory) {
      items.sort((a, b) => compareStrings(a.namespace, b.namespace) || compareStrings(a.name, b.name));
    } else {
      items.sort((a, b) => compareStrings(a.id, b.id));
    }
    return items.map((item) => this.toSnapshotItem(item));
  }

  /** Releases buffered events in order; later events are emitted as they arrive. */
  unlock(): void {
    if (!this.isLocked) return;
    this.isLocked = false;
    const buffered = this.buffer;
    this.buffer = [];
    for (const event of buffered) this.onEvent(event);
  }

  /** Stops watching and drops buffered events; the last snapshot stays readable. */
  stop(): void {
    this.phase = 'stopped';
    this.buffer = [];
    this.unwatch();
  }

  private watchEvent(event: WatchEvent): void {
    if (this.phase !== 'running') return;
    let item: CachedItem;
    try {
      item = this.render(event.object);
    } catch (error) {
      if (event.type === 'Deleted') this.cache.delete(itemId(event.object));
      this.onError(error as BindingMonitorError);
      return;
    }
    if (event.type === 'Deleted') {
      this.cache.delete(item.id);
    } else {
      const cached = this.cache.get(item.id);
      this.cache.set(item.id, item);
      if (cached?.checksum === item.checksum) return;
    }
    if (!this.watchConfig.executeHookOnEvent.includes(event.type)) return;
    const emitted = deepFreeze({
      watchEvent: event.type,
      item: this.toSnapshotItem(item),
      bindingName: this.bindingName,
    });
    if (this.isLocked) this.buffer.push(emitted);
    else this.onEvent(emitted);
  }

  /** A namespace stopped matching the namespace label selector: its objects vanish silently. */
  private namespaceEvent(event: WatchEvent): void {
    if (this.phase !== 'running' || event.type !== 'Deleted') return;
    const namespace = event.object.metadata.name;
    for (const [id, item] of this.cache) if (item.namespace === namespace) this.cache.delete(id);
  }

  /** Computes the cached item and checksum of an object (HP §2.4, §2.6, §2.7); throws BindingMonitorError. */
  private render(object: KubeObject): CachedItem {
    const { filter, jqFilter, keepFullObjectsInMemory } = this.watchConfig;
    const id = itemId(object);
    const item: CachedItem = {
      id,
      namespace: object.metadata.namespace ?? '',
      name: object.metadata.name,
      checksum: '',
    };
    if (filter || jqFilter) {
      let result: unknown;
      try {
        result = filter
          ? structuredClone(filter(structuredClone(object)) ?? null)
          : collectJqResults(this.jq!.evaluate(jqFilter!, structuredClone(object)));
      } catch (error) {
        const what = filter ? 'filter' : 'jqFilter';
        // A filter's error may quote the value it failed on (jq does), and this message reaches
        // the log (ModuleFailed): for a Secret it is withheld, cause included (docs/security.md).
        const secret = isSecret(object);
        const detail = secret
          ? "its message is withheld, as it may quote the Secret's data"
          : messageOf(error);
        throw this.error(
          `kubernetes binding "${this.bindingName}": ${what} failed on ${describeRef(refOf(object))}: ${detail}`,
          object,
          secret ? undefined : error,
        );
      }
      item.filterResult = result;
      item.checksum = checksumOf(result);
    } else {
      item.checksum = checksumOf(object);
    }
    if (keepFullObjectsInMemory) item.object = structuredClone(object);
    return item;
  }

  private toSnapshotItem(item: CachedItem): SnapshotItem {
    const rendered: SnapshotItem = {};
    if (item.object !== undefined) rendered.object = structuredClone(item.object);
    if (this.watchConfig.filter || this.watchConfig.jqFilter)
      rendered.filterResult = structuredClone(item.filterResult);
    return rendered;
  }

  private unwatch(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
    this.unsubscribes = [];
  }

  private error(message: string, object?: KubeObject, cause?: unknown): BindingMonitorError {
    return new BindingMonitorError(message, this.bindingName, object && refOf(object), { cause });
  }
}

/** The cache id of shell-operator: `namespace/Kind/name`. */
function itemId(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.kind}/${object.metadata.name}`;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A core/v1 Secret, whose data must not reach the log. */
function isSecret(object: KubeObject): boolean {
  return object.kind === 'Secret' && object.apiVersion === 'v1';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
