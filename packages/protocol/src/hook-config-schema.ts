import { z } from 'zod';
import { fieldSelectorSchema, labelSelectorRequirementSchema, labelSelectorSchema } from './kube.js';
import { integerSchema, unsignedIntegerSchema } from './schema-issues.js';

/**
 * zod schemas of a shell hook's `--config` document as shell-operator validates it (shell-operator pkg/hook/config/config_v0.go, shell-operator docs/src/HOOKS.md),
 * extended per hook kind as addon-operator does (shell-operator pkg/hook/config/config.go): global hooks accept `beforeAll`/`afterAll`,
 * module hooks `beforeHelm`/`afterHelm`/`beforeDeleteHelm`/`afterDeleteHelm`; any other key is a
 * "forbidden property". These check shape only; `parseHookConfig` adds the cross-field rules.
 */

export type HookKind = 'global' | 'module';

const bool = () => z.boolean();
const str = () => z.string();
const nonEmptyStrings = () => z.array(z.string()).min(1);
const watchEventTypeSchema = z.enum(['Added', 'Modified', 'Deleted']);

function propertyCount(min: number, max: number) {
  return (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const n = Object.keys(value).length;
    if (n < min || n > max) {
      ctx.addIssue({
        code: 'custom',
        message:
          min === max
            ? `must have exactly ${min} properties`
            : `must have ${min} to ${max} properties (has ${n})`,
      });
    }
  };
}

/** `{matchLabels?, matchExpressions?}` with no other keys and at least one of the two. */
export const hookLabelSelectorSchema = labelSelectorSchema
  .extend({ matchExpressions: z.array(labelSelectorRequirementSchema.strict()).optional() })
  .strict()
  .superRefine(propertyCount(1, 2));

/** `{matchNames: [..]}`; an empty list means no name filter. */
export const nameSelectorSchema = z.strictObject({ matchNames: z.array(z.string()) });

/** `{matchExpressions: [{field, operator, value}]}`, every expression with exactly those three keys. */
export const hookFieldSelectorSchema = fieldSelectorSchema
  .extend({ matchExpressions: z.array(fieldSelectorSchema.shape.matchExpressions.element.strict()) })
  .strict();

export const kubernetesBindingV1Schema = z.strictObject({
  name: str().optional(),
  apiVersion: str().optional(),
  kind: str(),
  executeHookOnEvent: z.array(watchEventTypeSchema).optional(),
  watchEvent: z.array(watchEventTypeSchema).optional(),
  executeHookOnSynchronization: bool().optional(),
  waitForSynchronization: bool().optional(),
  keepFullObjectsInMemory: bool().optional(),
  resynchronizationPeriod: str().optional(),
  nameSelector: nameSelectorSchema.optional(),
  labelSelector: hookLabelSelectorSchema.optional(),
  fieldSelector: hookFieldSelectorSchema.optional(),
  namespace: z
    .strictObject({
      nameSelector: nameSelectorSchema.optional(),
      labelSelector: hookLabelSelectorSchema.optional(),
    })
    .superRefine(propertyCount(1, 2))
    .optional(),
  jqFilter: str().optional(),
  allowFailure: bool().optional(),
  includeSnapshotsFrom: nonEmptyStrings().optional(),
  queue: str().optional(),
  group: str().optional(),
});
export type KubernetesBindingV1Input = z.infer<typeof kubernetesBindingV1Schema>;

export const scheduleBindingV1Schema = z.strictObject({
  name: str().optional(),
  crontab: str(),
  allowFailure: bool().optional(),
  includeSnapshotsFrom: nonEmptyStrings().optional(),
  queue: str().optional(),
  group: str().optional(),
});
export type ScheduleBindingV1Input = z.infer<typeof scheduleBindingV1Schema>;

/** Same schema for `kubernetesValidating[]` and `kubernetesMutating[]` (shell-operator pkg/hook/config/config_v1.go (kubernetesValidating)). */
export const webhookBindingV1Schema = z.strictObject({
  name: str(),
  group: str().optional(),
  includeSnapshotsFrom: nonEmptyStrings().optional(),
  failurePolicy: z.enum(['Ignore', 'Fail']).optional(),
  sideEffects: z.enum(['None', 'NoneOnDryRun']).optional(),
  timeoutSeconds: integerSchema().optional(),
  matchConditions: z.array(z.looseObject({ name: str(), expression: str() })).optional(),
  labelSelector: hookLabelSelectorSchema.optional(),
  namespace: z.strictObject({ labelSelector: hookLabelSelectorSchema }).optional(),
  rules: z
    .array(
      z.strictObject({
        apiVersions: nonEmptyStrings(),
        apiGroups: nonEmptyStrings(),
        resources: nonEmptyStrings(),
        operations: z.array(z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT', '*'])).min(1),
        scope: z.enum(['Cluster', 'Namespaced', '*']).optional(),
      }),
    )
    .min(1)
    .optional(),
});
export type WebhookBindingV1Input = z.infer<typeof webhookBindingV1Schema>;

export const conversionBindingV1Schema = z.strictObject({
  name: str(),
  group: str().optional(),
  includeSnapshotsFrom: nonEmptyStrings().optional(),
  crdName: str(),
  conversions: z.array(z.strictObject({ fromVersion: str(), toVersion: str() })).min(1),
});
export type ConversionBindingV1Input = z.infer<typeof conversionBindingV1Schema>;

/** Both keys are optional to the schema; `parseHookConfig` then requires both (shell-operator pkg/hook/config/config_v1.go (settings)). */
export const hookSettingsV1Schema = z.strictObject({
  executionMinInterval: str().optional(),
  executionBurst: integerSchema().optional(),
});

const globalLifecycleShape = {
  beforeAll: unsignedIntegerSchema().optional(),
  afterAll: unsignedIntegerSchema().optional(),
};
const moduleLifecycleShape = {
  beforeHelm: unsignedIntegerSchema().optional(),
  afterHelm: unsignedIntegerSchema().optional(),
  beforeDeleteHelm: unsignedIntegerSchema().optional(),
  afterDeleteHelm: unsignedIntegerSchema().optional(),
};

const v1Shape = {
  configVersion: z.literal('v1'),
  onStartup: integerSchema().optional(),
  schedule: z.array(scheduleBindingV1Schema).min(1).optional(),
  kubernetes: z.array(kubernetesBindingV1Schema).min(1).optional(),
  kubernetesValidating: z.array(webhookBindingV1Schema).min(1).optional(),
  kubernetesMutating: z.array(webhookBindingV1Schema).min(1).optional(),
  kubernetesCustomResourceConversion: z.array(conversionBindingV1Schema).min(1).optional(),
  settings: hookSettingsV1Schema.optional(),
};

const atLeastTwoKeys = (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
  if (Object.keys(value).length < 2)
    ctx.addIssue({ code: 'custom', message: 'must have at least 2 properties: configVersion and a binding' });
};

export const globalHookConfigV1Schema = z
  .strictObject({ ...v1Shape, ...globalLifecycleShape })
  .superRefine(atLeastTwoKeys);
export const moduleHookConfigV1Schema = z
  .strictObject({ ...v1Shape, ...moduleLifecycleShape })
  .superRefine(atLeastTwoKeys);
export type HookConfigV1Input = z.infer<typeof globalHookConfigV1Schema> &
  z.infer<typeof moduleHookConfigV1Schema>;

/** v0 `onKubernetesEvent[]` item: unknown keys are ignored, as Go's decoder does (shell-operator pkg/hook/config/config_v0.go). */
export const onKubernetesEventV0Schema = z.looseObject({
  name: str().optional(),
  kind: str().optional(),
  event: z.array(z.enum(['add', 'update', 'delete'])).optional(),
  selector: labelSelectorSchema.optional(),
  objectName: str().optional(),
  namespaceSelector: z
    .looseObject({ matchNames: z.array(z.string()).optional(), any: bool().optional() })
    .optional(),
  jqFilter: str().optional(),
  allowFailure: bool().optional(),
});
export type OnKubernetesEventV0Input = z.infer<typeof onKubernetesEventV0Schema>;

export const scheduleV0Schema = z.looseObject({
  name: str().optional(),
  crontab: str().optional(),
  allowFailure: bool().optional(),
});

const v0Shape = {
  onStartup: integerSchema().optional(),
  schedule: z.array(scheduleV0Schema).optional(),
  onKubernetesEvent: z.array(onKubernetesEventV0Schema).optional(),
};

const atLeastOneKey = (value: Record<string, unknown>, ctx: z.RefinementCtx) => {
  if (Object.keys(value).length < 1)
    ctx.addIssue({ code: 'custom', message: 'must have at least 1 property' });
};

export const globalHookConfigV0Schema = z
  .strictObject({ ...v0Shape, ...globalLifecycleShape })
  .superRefine(atLeastOneKey);
export const moduleHookConfigV0Schema = z
  .strictObject({ ...v0Shape, ...moduleLifecycleShape })
  .superRefine(atLeastOneKey);
export type HookConfigV0Input = z.infer<typeof globalHookConfigV0Schema> &
  z.infer<typeof moduleHookConfigV0Schema>;

/** The schema of one config version for one hook kind. */
export function hookConfigSchema(version: 'v0' | 'v1', kind: HookKind) {
  if (version === 'v0') return kind === 'global' ? globalHookConfigV0Schema : moduleHookConfigV0Schema;
  return kind === 'global' ? globalHookConfigV1Schema : moduleHookConfigV1Schema;
}
