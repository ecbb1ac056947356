import { z } from 'zod';

/**
 * The event log's vocabulary. Every event is one flat JSON object: `seq`, `at`, `v` and `type`
 * beside the payload fields (README.md "Event stores"). Events are facts, in the past tense.
 */

/** Lifecycle bindings that carry an order number (addon-operator pkg/module_manager/models/modules/hook_storage.go). */
export const lifecycleBindingSchema = z.enum([
  'onStartup',
  'beforeAll',
  'afterAll',
  'beforeHelm',
  'afterHelm',
  'beforeDeleteHelm',
  'afterDeleteHelm',
]);
export type LifecycleBinding = z.infer<typeof lifecycleBindingSchema>;

/** Every binding type: the lifecycle bindings plus kubernetes and schedule. */
export const bindingTypeSchema = z.enum([...lifecycleBindingSchema.options, 'kubernetes', 'schedule']);
export type BindingType = z.infer<typeof bindingTypeSchema>;

/** What the engine needs to know about one kubernetes binding of a hook, recorded in the log. */
export const kubeBindingDescriptorSchema = z.object({
  name: z.string(),
  queue: z.string(),
  group: z.string().optional(),
  executeHookOnSynchronization: z.boolean(),
  waitForSynchronization: z.boolean(),
  allowFailure: z.boolean(),
});
export type KubeBindingDescriptor = z.infer<typeof kubeBindingDescriptorSchema>;

export const scheduleBindingDescriptorSchema = z.object({
  name: z.string(),
  crontab: z.string(),
  queue: z.string(),
  group: z.string().optional(),
  allowFailure: z.boolean(),
  includeSnapshotsFrom: z.array(z.string()).optional(),
});
export type ScheduleBindingDescriptor = z.infer<typeof scheduleBindingDescriptorSchema>;

/** A registered hook as the log records it: its name and its bindings, never its code. */
export const hookDescriptorSchema = z.object({
  name: z.string(),
  /** Lifecycle bindings with their order numbers. */
  orders: z.partialRecord(lifecycleBindingSchema, z.number()),
  kubernetes: z.array(kubeBindingDescriptorSchema),
  schedule: z.array(scheduleBindingDescriptorSchema),
});
export type HookDescriptor = z.infer<typeof hookDescriptorSchema>;

/** RFC 6902 operation as stored in ValuesChanged / ConfigValuesChanged. */
export const jsonPatchOperationSchema = z
  .object({
    op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']),
    path: z.string(),
    value: z.unknown().optional(),
    from: z.string().optional(),
  })
  .loose();
export type JsonPatchOperation = z.infer<typeof jsonPatchOperationSchema>;

const base = {
  seq: z.number().int().positive(),
  at: z.string(),
  v: z.number().int().positive(),
};

const ev = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({ ...base, type: z.literal(type), ...shape });

const moduleField = { module: z.string() };
const hookFields = {
  hook: z.string(),
  module: z.string().optional(),
  binding: bindingTypeSchema,
  bindingNames: z.array(z.string()),
  attempt: z.number().int().positive(),
  /** Set for kubernetes Synchronization runs (and combined runs that include one). */
  synchronization: z.boolean().optional(),
  queue: z.string().optional(),
};

export const convergeReasonSchema = z.enum(['OperatorStartup', 'GlobalValuesChanged', 'ReloadAllModules']);
export type ConvergeReason = z.infer<typeof convergeReasonSchema>;

export const moduleFailedPhaseSchema = z.enum([
  'registerHooks',
  'onStartup',
  'synchronization',
  'beforeHelm',
  'helm',
  'afterHelm',
  'checkRelease',
  'beforeDeleteHelm',
  'uninstall',
  'afterDeleteHelm',
]);
export type ModuleFailedPhase = z.infer<typeof moduleFailedPhaseSchema>;

export const moduleInfoSchema = z.object({
  name: z.string(),
  order: z.number(),
  valuesKey: z.string(),
  hasChart: z.boolean(),
  path: z.string().optional(),
});
export type ModuleInfo = z.infer<typeof moduleInfoSchema>;

export const eventSchemas = {
  EngineStarted: ev('EngineStarted', {
    runId: z.string(),
    namespace: z.string(),
    modules: z.array(moduleInfoSchema),
  }),
  EngineStopped: ev('EngineStopped', { runId: z.string() }),
  GlobalHooksRegistered: ev('GlobalHooksRegistered', { hooks: z.array(hookDescriptorSchema) }),
  ModuleHooksRegistered: ev('ModuleHooksRegistered', {
    ...moduleField,
    hooks: z.array(hookDescriptorSchema),
  }),
  ConvergeStarted: ev('ConvergeStarted', {
    convergeId: z.string(),
    reason: convergeReasonSchema,
    trigger: z.string().optional(),
  }),
  ModulesPlanned: ev('ModulesPlanned', {
    convergeId: z.string(),
    enabled: z.array(z.string()),
    groups: z.array(z.array(z.string())),
    toEnable: z.array(z.string()),
    toDisable: z.array(z.string()),
  }),
  DiscoveryFailed: ev('DiscoveryFailed', {
    convergeId: z.string(),
    module: z.string().optional(),
    error: z.string(),
  }),
  ConvergeCompleted: ev('ConvergeCompleted', { convergeId: z.string() }),
  ModuleEnabled: ev('ModuleEnabled', { ...moduleField, reason: z.string() }),
  ModuleDisabled: ev('ModuleDisabled', { ...moduleField, reason: z.string() }),
  ModuleRunStarted: ev('ModuleRunStarted', {
    ...moduleField,
    trigger: z.string(),
    doStartup: z.boolean(),
    attempt: z.number().int().positive(),
    queue: z.string(),
    /** The task whose run this is; a task that re-enters its run (after Synchronization) starts none. */
    taskId: z.string().optional(),
  }),
  ModuleRunSkipped: ev('ModuleRunSkipped', { ...moduleField, reason: z.string() }),
  ModuleDeleteStarted: ev('ModuleDeleteStarted', { ...moduleField, attempt: z.number().int().positive() }),
  HookStarted: ev('HookStarted', hookFields),
  HookSucceeded: ev('HookSucceeded', hookFields),
  HookFailed: ev('HookFailed', { ...hookFields, error: z.string(), allowed: z.boolean().optional() }),
  SynchronizationCompleted: ev('SynchronizationCompleted', {
    hook: z.string(),
    module: z.string().optional(),
    bindingName: z.string(),
    executed: z.boolean(),
  }),
  HelmReleaseChecked: ev('HelmReleaseChecked', {
    ...moduleField,
    release: z.string(),
    exists: z.boolean(),
    error: z.string().optional(),
    /** `foreign`: the release exists but converge did not install it, so it is left alone. */
    reason: z.literal('foreign').optional(),
  }),
  HelmReleaseUpgraded: ev('HelmReleaseUpgraded', {
    ...moduleField,
    release: z.string(),
    revision: z.number().int(),
    checksum: z.string(),
    /** Why it upgraded: not-found, not-deployed, checksum, absent, maintenance (docs/decisions.md). */
    reason: z.string().optional(),
  }),
  HelmUpgradeSkipped: ev('HelmUpgradeSkipped', { ...moduleField, release: z.string(), reason: z.string() }),
  HelmReleaseUninstalled: ev('HelmReleaseUninstalled', {
    ...moduleField,
    release: z.string(),
    purge: z.boolean().optional(),
  }),
  HelmOperationFailed: ev('HelmOperationFailed', {
    ...moduleField,
    operation: z.string(),
    error: z.string(),
  }),
  HelmDriftDetected: ev('HelmDriftDetected', {
    ...moduleField,
    release: z.string(),
    reason: z.enum(['absent', 'status']),
    resources: z.array(z.string()).optional(),
    status: z.string().optional(),
    /** The release status could not be read (counted as not deployed, as addon-operator does). */
    error: z.string().optional(),
  }),
  ModuleCrdsEnsured: ev('ModuleCrdsEnsured', { ...moduleField, crds: z.array(z.string()) }),
  ModuleReady: ev('ModuleReady', moduleField),
  ModuleDeleted: ev('ModuleDeleted', moduleField),
  ModuleFailed: ev('ModuleFailed', { ...moduleField, phase: moduleFailedPhaseSchema, error: z.string() }),
  RetryScheduled: ev('RetryScheduled', {
    queue: z.string(),
    task: z.string(),
    module: z.string().optional(),
    attempt: z.number().int().positive(),
    delayMs: z.number().int().nonnegative(),
    /** The failure that caused the retry. */
    error: z.string().optional(),
  }),
  ValuesChanged: ev('ValuesChanged', { scope: z.string(), patch: z.array(jsonPatchOperationSchema) }),
  ConfigValuesChanged: ev('ConfigValuesChanged', {
    scope: z.string(),
    patch: z.array(jsonPatchOperationSchema),
  }),
  ConfigReceived: ev('ConfigReceived', {
    config: z.record(z.string(), z.unknown()),
    /** `hook`: a hook's own config values patch read back; it replans nothing. */
    source: z.enum(['hook']).optional(),
  }),
  /** A global hook set a `<module>Enabled` value (the DynamicallyEnabled extender, addon-operator pkg/module_manager/scheduler/scheduler.go). */
  ModuleDynamicEnabledChanged: ev('ModuleDynamicEnabledChanged', { ...moduleField, enabled: z.boolean() }),
  /**
   * A config change touched only `<module>Enabled` flags: the enabled set was decided again
   * (addon-operator's RecalculateGraph). `changed: false` starts no converge.
   */
  EnabledModulesRecalculated: ev('EnabledModulesRecalculated', {
    enabled: z.array(z.string()),
    changed: z.boolean(),
  }),
  ScheduleFired: ev('ScheduleFired', { crontab: z.string() }),
  KubeEventObserved: ev('KubeEventObserved', {
    hook: z.string(),
    module: z.string().optional(),
    bindingName: z.string(),
    watchEvent: z.enum(['Added', 'Modified', 'Deleted']),
    objectRef: z.string(),
    queue: z.string(),
  }),
  /**
   * A module a converge leaves disabled that was not enabled before, with the flag looked for and
   * why it does not enable the module; recorded again only when the reason changes.
   */
  ModuleNotEnabled: ev('ModuleNotEnabled', {
    ...moduleField,
    convergeId: z.string(),
    flag: z.string(),
    reason: z.string(),
  }),
} as const;

export type EventType = keyof typeof eventSchemas;
export const eventTypes = Object.keys(eventSchemas) as EventType[];

/** Any event of the log. */
export const convergeEventSchema = z.discriminatedUnion(
  'type',
  Object.values(eventSchemas) as unknown as [
    (typeof eventSchemas)[EventType],
    ...(typeof eventSchemas)[EventType][],
  ],
);

export type EventOf<T extends EventType> = z.infer<(typeof eventSchemas)[T]>;
export type ConvergeEvent = { [T in EventType]: EventOf<T> }[EventType];

/** An event before the store gives it `seq` and the clock gives it `at`. */
export type NewEvent = ConvergeEvent extends infer E
  ? E extends ConvergeEvent
    ? Omit<E, 'seq' | 'at' | 'v'> & { v?: number }
    : never
  : never;

/** Current schema version of each event type. Upcasters for older versions live in upcast.ts. */
export const eventVersions: Record<EventType, number> = Object.fromEntries(
  eventTypes.map((t) => [t, 1]),
) as Record<EventType, number>;
