import type { ClusterSource, HookWatch, Unsubscribe } from '@converge/core';
import { canonicalJson } from '@converge/core';
import { deepFreeze, describeRef, refOf } from '@converge/kube-model';
import type { KubeObject, WatchEvent, WatchEventType } from '@converge/protocol';
import { checksumOf } from './checksum.js';
import { BindingMonitorError } from './errors.js';
import { collectJqResults, type JqEngine } from './jq-engine.js';
import { PackedStringMap } from './packed-string-map.js';

/** Separates the filter result's JSON from the object's JSON in one cached value. */
const PART = '\u0001';

/** One snapshot item (shell-operator pkg/kube_events_manager/types/types.go): `object` unless keepFullObjectsInMemory is false, `filterResult` when filtered. */
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

type Phase = 'idle' | 'starting' | 'running' | 'stopped';

/**
 * The informer of one kubernetes binding (shell-operator pkg/kube_events_manager/, shell-operator pkg/hook/controller/hook_controller.go–addon-operator pkg/task/tasks/module-run/task.go). `start()` lists the selected
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
  /**
   * One line of text per object (docs/performance.md): key = the shell-operator id
   * `namespace/Kind/name` (or `namespace\u0001name\u0001Kind` when full objects are kept, so key
   * order is the snapshot order); value = the filter result's JSON, the object's JSON, or both
   * (filter first, `\u0001` between), or only the md5 checksum when neither is kept.
   */
  private readonly cache = new PackedStringMap();
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
      this.cache.load(objects.map((object) => this.render(object)));
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
    const items: SnapshotItem[] = [];
    for (const [, value] of this.cache.entries()) items.push(this.toSnapshotItem(value));
    return items;
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
    let key: string;
    let value: string;
    try {
      [key, value] = this.render(event.object);
    } catch (error) {
      if (event.type === 'Deleted') this.cache.delete(this.keyOf(event.object));
      this.onError(error as BindingMonitorError);
      return;
    }
    if (event.type === 'Deleted') {
      this.cache.delete(key);
    } else {
      const cached = this.cache.swap(key, value);
      if (cached !== undefined && this.sameChecksum(cached, value)) return;
    }
    if (!this.watchConfig.executeHookOnEvent.includes(event.type)) return;
    const emitted = deepFreeze({
      watchEvent: event.type,
      item: this.toSnapshotItem(value),
      bindingName: this.bindingName,
    });
    if (this.isLocked) this.buffer.push(emitted);
    else this.onEvent(emitted);
  }

  /** A namespace stopped matching the namespace label selector: its objects vanish silently. */
  private namespaceEvent(event: WatchEvent): void {
    if (this.phase !== 'running' || event.type !== 'Deleted') return;
    const prefix = `${keyPart(event.object.metadata.name)}${this.watchConfig.keepFullObjectsInMemory ? '\u0001' : '/'}`;
    this.cache.deleteWhere((key) => key.startsWith(prefix));
  }

  /** The cache key of an object; keys sort in snapshot order. */
  private keyOf(object: KubeObject): string {
    const namespace = keyPart(object.metadata.namespace ?? '');
    const name = keyPart(object.metadata.name);
    const kind = keyPart(object.kind);
    return this.watchConfig.keepFullObjectsInMemory
      ? `${namespace}\u0001${name}\u0001${kind}`
      : `${namespace}/${kind}/${name}`;
  }

  /**
   * The cache entry of an object (shell-operator pkg/kube_events_manager/types/types.go, shell-operator pkg/filter/jq/apply.go, shell-operator pkg/kube_events_manager/resource_informer.go): its key and the JSON of what the binding
   * keeps; throws BindingMonitorError when the filter fails.
   */
  private render(object: KubeObject): [string, string] {
    const { filter, jqFilter, keepFullObjectsInMemory } = this.watchConfig;
    const key = this.keyOf(object);
    const full = keepFullObjectsInMemory ? JSON.stringify(object) : undefined;
    if (!filter && !jqFilter) return [key, full ?? checksumOf(object)];
    let result: string;
    try {
      const value = filter
        ? (filter(structuredClone(object)) ?? null)
        : collectJqResults(this.jq!.evaluate(jqFilter!, structuredClone(object)));
      result = JSON.stringify(value) ?? 'null';
    } catch (error) {
      const what = filter ? 'filter' : 'jqFilter';
      // A filter's error may quote the value it failed on (jq does), and this message reaches
      // the log (ModuleFailed): for a Secret it is withheld, cause included (docs/security.md).
      const secret = isSecret(object);
      const detail = secret ? "its message is withheld, as it may quote the Secret's data" : messageOf(error);
      throw this.error(
        `kubernetes binding "${this.bindingName}": ${what} failed on ${describeRef(refOf(object))}: ${detail}`,
        object,
        secret ? undefined : error,
      );
    }
    return [key, full === undefined ? result : `${result}${PART}${full}`];
  }

  /** The part of a cached value the checksum covers: the filter result, else the object. */
  private checked(value: string): string {
    const { filter, jqFilter, keepFullObjectsInMemory } = this.watchConfig;
    return (filter || jqFilter) && keepFullObjectsInMemory ? value.slice(0, value.indexOf(PART)) : value;
  }

  /**
   * Whether two cached values have the same checksum: md5 of the canonical JSON (key order
   * ignored) of the filter result, else of the object, as shell-operator compares them.
   */
  private sameChecksum(a: string, b: string): boolean {
    const left = this.checked(a);
    const right = this.checked(b);
    if (left === right) return true;
    const { filter, jqFilter, keepFullObjectsInMemory } = this.watchConfig;
    if (!filter && !jqFilter && !keepFullObjectsInMemory) return false;
    return canonicalJson(JSON.parse(left)) === canonicalJson(JSON.parse(right));
  }

  /** A fresh snapshot item parsed from a cached value. */
  private toSnapshotItem(value: string): SnapshotItem {
    const { filter, jqFilter, keepFullObjectsInMemory } = this.watchConfig;
    const filtered = Boolean(filter || jqFilter);
    const rendered: SnapshotItem = {};
    if (keepFullObjectsInMemory)
      rendered.object = JSON.parse(filtered ? value.slice(value.indexOf(PART) + 1) : value);
    if (filtered)
      rendered.filterResult = JSON.parse(
        keepFullObjectsInMemory ? value.slice(0, value.indexOf(PART)) : value,
      );
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

/** A name as it goes into a cache key: control characters (never in a valid name) escaped. */
function keyPart(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the separators are control characters
  return /[\u0000-\u001f]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

/** A core/v1 Secret, whose data must not reach the log. */
function isSecret(object: KubeObject): boolean {
  return object.kind === 'Secret' && object.apiVersion === 'v1';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
