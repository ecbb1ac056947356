import { type HookDescriptor, type LifecycleBinding, lifecycleBindingSchema } from '@converge/protocol';

/** Lifecycle hook names per binding, each list in execution order. */
export type HookPlan = Record<LifecycleBinding, string[]>;

/** A kubernetes binding whose Synchronization the owner waits for: `<hook>/<binding name>`. */
export type SyncKey = string;

export const syncKey = (hook: string, bindingName: string): SyncKey => `${hook}/${bindingName}`;

const lifecycleBindings: readonly LifecycleBinding[] = lifecycleBindingSchema.options;

export const emptyHookPlan = (): HookPlan =>
  Object.fromEntries(lifecycleBindings.map((b) => [b, [] as string[]])) as unknown as HookPlan;

/** Sort key of addon-operator pkg/module_manager/models/modules/hook_storage.go (hook order): ascending order, ties broken by hook name (byte order). */
export function compareByOrderThenName(a: [number, string], b: [number, string]): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

/** Builds the per-binding execution order of lifecycle hooks (addon-operator pkg/module_manager/models/modules/hook_storage.go (hook order), beforeDeleteHelm behaviour 5). */
export function planHooks(hooks: readonly HookDescriptor[]): HookPlan {
  const plan = emptyHookPlan();
  for (const binding of lifecycleBindings) {
    plan[binding] = hooks
      .filter((h) => h.orders[binding] !== undefined)
      .map((h) => [h.orders[binding] as number, h.name] as [number, string])
      .sort(compareByOrderThenName)
      .map(([, name]) => name);
  }
  return plan;
}

/**
 * Synchronizations the lifecycle waits for (addon-operator pkg/task/tasks/module-run/task.go step 3): bindings in the owner's queue
 * (`main`) always, bindings in other queues only with waitForSynchronization.
 */
export function awaitedSyncs(hooks: readonly HookDescriptor[]): SyncKey[] {
  const keys: SyncKey[] = [];
  for (const h of [...hooks].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    for (const k of h.kubernetes) {
      if (k.queue === 'main' || k.waitForSynchronization) keys.push(syncKey(h.name, k.name));
    }
  }
  return keys;
}
