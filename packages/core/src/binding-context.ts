import type { BindingContext } from './ports.js';

/**
 * Binding contexts as hooks receive them (HP §2.2 v1, §2.3 v0, §2.4 items, §2.5 ordering). Pure
 * builders: callers pass the hook's kubernetes bindings and the raw cached items of each binding's
 * snapshot; the builders render items per binding config, sort them and emit the exact JSON shape.
 */

/** A cached item of a binding's snapshot, before rendering: the object as received and the filter result. */
export interface RawSnapshotItem {
  object?: Record<string, unknown>;
  filterResult?: unknown;
  /** Identity used for ordering when the object is not kept (`namespace/Kind/name`). */
  ref?: { namespace?: string; kind?: string; name: string };
}

/** A rendered snapshot item (HP §2.4): up to `object` and `filterResult`. */
export interface BindingSnapshotItem {
  object?: Record<string, unknown>;
  filterResult?: unknown;
}

/** What the builders need of a kubernetes binding; `EffectiveKubernetesBinding` fits. */
export interface KubeBindingShape {
  name: string;
  /** `''` or absent: no group. */
  group?: string;
  includeSnapshotsFrom?: readonly string[];
  /** Default true; false drops `object` from items. */
  keepFullObjectsInMemory?: boolean;
  /** `''` or absent: no jq filter. */
  jqFilter?: string;
  /** An in-code filter (Go/TS hooks): items get `filterResult` like with a jqFilter. */
  hasFilter?: boolean;
}

/** A schedule (or webhook) binding: name, group and included snapshots. */
export interface ScheduleBindingShape {
  name: string;
  group?: string;
  includeSnapshotsFrom?: readonly string[];
}

/** A hook as the builders see it: config version, every kubernetes binding, raw snapshots by binding name. */
export interface HookContextInput {
  configVersion: 'v0' | 'v1';
  kubernetes: readonly KubeBindingShape[];
  /** Raw items per kubernetes binding name; a missing entry is an empty snapshot (HP §2.5). */
  snapshots: Readonly<Record<string, readonly RawSnapshotItem[]>>;
}

export type LifecycleBindingName =
  | 'beforeAll'
  | 'afterAll'
  | 'beforeHelm'
  | 'afterHelm'
  | 'beforeDeleteHelm'
  | 'afterDeleteHelm';

export type WatchEventName = 'Added' | 'Modified' | 'Deleted';

/** Compares two strings by Unicode code point, which is UTF-8 byte order (Go's string order). */
export function compareByteOrder(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** jq output collection (HP §2.6): no result is null, one result is itself, several are an array. */
export function collectFilterResults(results: readonly unknown[]): unknown {
  if (results.length === 0) return null;
  if (results.length === 1) return results[0];
  return [...results];
}

const hasGroup = (g: string | undefined): g is string => typeof g === 'string' && g !== '';
const filtered = (b: KubeBindingShape) => Boolean(b.jqFilter) || b.hasFilter === true;

function metaOf(item: RawSnapshotItem): { namespace: string; kind: string; name: string } {
  const meta = (item.object?.metadata ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    namespace: str(meta.namespace) || (item.ref?.namespace ?? ''),
    kind: str(item.object?.kind) || (item.ref?.kind ?? ''),
    name: str(meta.name) || (item.ref?.name ?? ''),
  };
}

/** Renders one item for `binding` (HP §2.4): `object` when kept, `filterResult` (null if unset) when filtered. */
export function renderSnapshotItem(binding: KubeBindingShape, item: RawSnapshotItem): BindingSnapshotItem {
  const out: BindingSnapshotItem = {};
  if (filtered(binding)) out.filterResult = item.filterResult === undefined ? null : item.filterResult;
  if (binding.keepFullObjectsInMemory !== false && item.object !== undefined) out.object = item.object;
  return out;
}

/**
 * A binding's snapshot (HP §2.5): items rendered, sorted by namespace then name (byte order), or
 * by `namespace/Kind/name` when full objects are not kept.
 */
export function renderSnapshot(
  binding: KubeBindingShape,
  items: readonly RawSnapshotItem[] | undefined,
): BindingSnapshotItem[] {
  const keyed = (items ?? []).map((item) => ({ item, meta: metaOf(item) }));
  if (binding.keepFullObjectsInMemory === false) {
    const id = (m: { namespace: string; kind: string; name: string }) => `${m.namespace}/${m.kind}/${m.name}`;
    keyed.sort((a, b) => compareByteOrder(id(a.meta), id(b.meta)));
  } else {
    keyed.sort(
      (a, b) =>
        compareByteOrder(a.meta.namespace, b.meta.namespace) || compareByteOrder(a.meta.name, b.meta.name),
    );
  }
  return keyed.map(({ item }) => renderSnapshotItem(binding, item));
}

/**
 * The effective `includeSnapshotsFrom` of a binding (HP §1.6): its own list, then the kubernetes
 * bindings of its group that are not listed yet.
 */
export function effectiveIncludes(
  binding: { group?: string; includeSnapshotsFrom?: readonly string[] },
  kubernetes: readonly KubeBindingShape[],
): string[] {
  const out = [...(binding.includeSnapshotsFrom ?? [])];
  if (hasGroup(binding.group))
    for (const k of kubernetes) if (k.group === binding.group && !out.includes(k.name)) out.push(k.name);
  return out;
}

/**
 * Snapshots by binding name for `names` (or every kubernetes binding of the hook). The first
 * binding with a name supplies its config; a name without a binding or items yields `[]`.
 */
export function snapshotsFor(
  hook: HookContextInput,
  names?: readonly string[],
): Record<string, BindingSnapshotItem[]> {
  const out: Record<string, BindingSnapshotItem[]> = {};
  for (const name of names ?? hook.kubernetes.map((k) => k.name)) {
    if (Object.hasOwn(out, name)) continue;
    const binding = hook.kubernetes.find((k) => k.name === name) ?? { name };
    out[name] = renderSnapshot(binding, hook.snapshots[name]);
  }
  return out;
}

/** Step 3 of MapV1 (HP §2.2): `snapshots` when the binding (or its group) includes any. */
function withSnapshots(
  context: BindingContext,
  binding: { group?: string; includeSnapshotsFrom?: readonly string[] },
  hook: HookContextInput,
): BindingContext {
  const includes = effectiveIncludes(binding, hook.kubernetes);
  if (includes.length > 0) context.snapshots = snapshotsFor(hook, includes);
  return context;
}

/** Step 5 of MapV1: a grouped binding's context is `type: "Group"` with `groupName`; undefined otherwise. */
function groupContext(context: BindingContext, group: string | undefined): BindingContext | undefined {
  if (!hasGroup(group)) return undefined;
  context.groupName = group;
  context.type = 'Group';
  return context;
}

/** `{binding: "onStartup"}` for v0 and v1 hooks. */
export function onStartupContext(): BindingContext {
  return { binding: 'onStartup' };
}

/**
 * addon-operator lifecycle context (HP §2.2): `{binding, snapshots}` with every kubernetes binding
 * of the hook (`{}` when it has none); v0 hooks get `{binding}`.
 */
export function lifecycleContext(binding: LifecycleBindingName, hook: HookContextInput): BindingContext {
  if (hook.configVersion === 'v0') return { binding };
  return { binding, snapshots: snapshotsFor(hook) };
}

/** A schedule tick: `type: "Schedule"` (or a Group context), with included snapshots. */
export function scheduleContext(schedule: ScheduleBindingShape, hook: HookContextInput): BindingContext {
  if (hook.configVersion === 'v0') return { binding: schedule.name };
  const context = withSnapshots({ binding: schedule.name }, schedule, hook);
  return groupContext(context, schedule.group) ?? Object.assign(context, { type: 'Schedule' });
}

function kubeBinding(hook: HookContextInput, name: string): KubeBindingShape {
  const binding = hook.kubernetes.find((k) => k.name === name);
  if (!binding) throw new RangeError(`hook has no kubernetes binding named ${JSON.stringify(name)}`);
  return binding;
}

/**
 * A kubernetes Synchronization (HP §2.2): `objects` holds the binding's current snapshot; a
 * grouped binding gets a Group context instead. v0 hooks have no Synchronization: `{binding}`.
 */
export function synchronizationContext(bindingName: string, hook: HookContextInput): BindingContext {
  if (hook.configVersion === 'v0') return { binding: bindingName };
  const binding = kubeBinding(hook, bindingName);
  const context = withSnapshots({ binding: bindingName }, binding, hook);
  const group = groupContext(context, binding.group);
  if (group) return group;
  context.objects = renderSnapshot(binding, hook.snapshots[bindingName]);
  context.type = 'Synchronization';
  return context;
}

const v0Events: Record<WatchEventName, string> = { Added: 'add', Modified: 'update', Deleted: 'delete' };

/**
 * A kubernetes watch event. v1: `type: "Event"`, `watchEvent` and the involved item's fields at the
 * top level (no item: `object: null`, `filterResult: ""` when filtered), or a Group context. v0:
 * `resourceEvent` (add/update/delete) with the object's namespace, kind and name (HP §2.3).
 */
export function eventContext(
  bindingName: string,
  watchEvent: WatchEventName,
  item: RawSnapshotItem | undefined,
  hook: HookContextInput,
): BindingContext {
  if (hook.configVersion === 'v0') {
    const meta = item ? metaOf(item) : { namespace: '', kind: '', name: '' };
    return {
      binding: bindingName,
      resourceEvent: v0Events[watchEvent],
      resourceKind: meta.kind,
      resourceName: meta.name,
      resourceNamespace: meta.namespace,
    };
  }
  const binding = kubeBinding(hook, bindingName);
  const context = withSnapshots({ binding: bindingName }, binding, hook);
  const group = groupContext(context, binding.group);
  if (group) return group;
  if (item === undefined) {
    context.object = null;
    if (filtered(binding)) context.filterResult = '';
  } else {
    Object.assign(context, renderSnapshotItem(binding, item));
  }
  context.type = 'Event';
  context.watchEvent = watchEvent;
  return context;
}

/** A kubernetesValidating/kubernetesMutating context (shell-operator): `review` holds only the request. */
export function admissionBindingContext(
  binding: ScheduleBindingShape,
  type: 'Validating' | 'Mutating',
  request: Record<string, unknown>,
  hook: HookContextInput,
): BindingContext {
  const context = withSnapshots({ binding: binding.name }, binding, hook);
  return Object.assign(context, { review: { request }, type });
}

/** A kubernetesCustomResourceConversion context (shell-operator). */
export function conversionBindingContext(
  binding: ScheduleBindingShape,
  fromVersion: string,
  toVersion: string,
  request: { uid: string; desiredAPIVersion: string; objects: unknown[] },
  hook: HookContextInput,
): BindingContext {
  const context = withSnapshots({ binding: binding.name }, binding, hook);
  return Object.assign(context, { fromVersion, review: { request }, toVersion, type: 'Conversion' });
}
