import type { LifecycleBinding } from './events.js';
import type { FieldSelector, LabelSelector, WatchEventType } from './kube.js';

/**
 * The effective configuration of one hook: what the engine acts on after validation, with every
 * default filled in (shell-operator pkg/hook/config/config_v0.go–shell-operator pkg/hook/config/config_v1.go (CheckIncludeSnapshots), module-sdk pkg/hook.go (BatchHookConfig)). Shell `--config` documents and module-sdk batch configs
 * both end up in this shape.
 */

export interface NameSelector {
  matchNames: string[];
}

export interface EffectiveKubernetesBinding {
  /** Binding name; `kubernetes` (v1) or `onKubernetesEvent` (v0) when not given. */
  name: string;
  /** `''` means: find the kind in all preferred API groups. */
  apiVersion: string;
  kind: string;
  /** Events that run the hook; `[]` means snapshot-only. */
  executeHookOnEvent: WatchEventType[];
  executeHookOnSynchronization: boolean;
  /** `false` only when the binding also named its own queue. */
  waitForSynchronization: boolean;
  /** `false` drops `object` from snapshot items. */
  keepFullObjectsInMemory: boolean;
  nameSelector?: NameSelector;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  namespace?: { nameSelector?: NameSelector; labelSelector?: LabelSelector };
  jqFilter: string;
  allowFailure: boolean;
  /** Own list first, then the kubernetes bindings of the same group not listed yet. */
  includeSnapshotsFrom: string[];
  queue: string;
  /** `''` when the binding is in no group. */
  group: string;
}

export interface EffectiveScheduleBinding {
  /** `schedule` when not given. */
  name: string;
  /** As written; `parseCrontab` turns it into fire times. */
  crontab: string;
  allowFailure: boolean;
  includeSnapshotsFrom: string[];
  queue: string;
  group: string;
}

/** Rate limit of a hook's runs: interval 0 means unlimited, burst 0 acts as 1 (shell-operator pkg/hook/config/config_v1.go (settings)). */
export interface EffectiveSettings {
  executionMinIntervalMs: number;
  executionBurst: number;
}

export interface EffectiveWebhookRule {
  apiVersions: string[];
  apiGroups: string[];
  resources: string[];
  operations: ('CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*')[];
  scope?: 'Cluster' | 'Namespaced' | '*';
}

/** A `kubernetesValidating` or `kubernetesMutating` binding (shell-operator only). */
export interface EffectiveWebhookBinding {
  name: string;
  group: string;
  includeSnapshotsFrom: string[];
  rules: EffectiveWebhookRule[];
  failurePolicy: 'Ignore' | 'Fail';
  sideEffects: 'None' | 'NoneOnDryRun';
  timeoutSeconds: number;
  matchConditions: { name: string; expression: string }[];
  /** Becomes the webhook's objectSelector. */
  labelSelector?: LabelSelector;
  /** Becomes the webhook's namespaceSelector. */
  namespaceLabelSelector?: LabelSelector;
}

/** A `kubernetesCustomResourceConversion` binding (shell-operator only). */
export interface EffectiveConversionBinding {
  name: string;
  crdName: string;
  conversions: { fromVersion: string; toVersion: string }[];
  group: string;
  includeSnapshotsFrom: string[];
}

/** Binding keys that addon-operator parses but never wires to a controller (shell-operator pkg/hook/config/config_v1.go (kubernetesValidating)). */
export type UnusedBindingKey =
  | 'kubernetesValidating'
  | 'kubernetesMutating'
  | 'kubernetesCustomResourceConversion';

export interface EffectiveHookConfig {
  /** `v0` hooks get v0 binding contexts and never run Synchronization. */
  version: 'v0' | 'v1';
  /** The onStartup order, when the hook has that binding. */
  onStartup?: number;
  /** Every lifecycle binding of the hook with its order, onStartup included (as in `HookDescriptor`). */
  orders: Partial<Record<LifecycleBinding, number>>;
  kubernetes: EffectiveKubernetesBinding[];
  schedule: EffectiveScheduleBinding[];
  settings?: EffectiveSettings;
  kubernetesValidating: EffectiveWebhookBinding[];
  kubernetesMutating: EffectiveWebhookBinding[];
  kubernetesCustomResourceConversion: EffectiveConversionBinding[];
  /** Which of the keys above the config used although addon-operator does nothing with them. */
  unusedByAddonOperator: UnusedBindingKey[];
}

/** Context of a config being checked: which file and hook it belongs to, and the hook kind. */
export interface HookConfigContext {
  /** The hook's file (as the user sees it on disk, or the batch binary). */
  file: string;
  /** The hook's name as addon-operator forms it (shell-operator pkg/hook/hook_manager.go, addon-operator pkg/module_manager/models/hooks/kind/batch_hook.go). */
  hook: string;
  kind: 'global' | 'module';
  /**
   * Optional jq compile check: returns an error text for a filter that does not compile. Without
   * it, `jqFilter` strings are accepted as they are (compiling needs a jq engine, outside protocol).
   */
  checkJqFilter?: (filter: string) => string | undefined;
}
