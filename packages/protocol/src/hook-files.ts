import { z } from 'zod';
import { jsonPatchOperationSchema } from './events.js';
import { kubeObjectSchema } from './kube.js';

/**
 * zod schemas of what passes between the engine and a hook through files (shell-operator pkg/hook/binding_context/binding_context.go, shell-operator pkg/hook/hook_io.go): binding
 * contexts (v1 and v0 shapes), values patch operations, kubernetes object patch operations and
 * metric operations. The readers in `@converge/hooks` produce values these schemas accept.
 */

// ---------------------------------------------------------------------------------------------
// Binding contexts (shell-operator pkg/hook/binding_context/binding_context.go, shell-operator pkg/hook/binding_context/binding_context.go, shell-operator pkg/kube_events_manager/types/types.go)

/** One snapshot item: `object` unless keepFullObjectsInMemory is false, `filterResult` with a filter. */
export const snapshotItemSchema = z
  .object({ object: kubeObjectSchema.optional(), filterResult: z.unknown() })
  .partial();
const snapshots = z.record(z.string(), z.array(snapshotItemSchema));
const watchEvent = z.enum(['Added', 'Modified', 'Deleted']);

export const bindingContextSchema = z.union([
  z
    .object({
      binding: z.string(),
      type: z.literal('Synchronization'),
      objects: z.array(snapshotItemSchema),
      snapshots: snapshots.optional(),
    })
    .strict(),
  z
    .object({
      binding: z.string(),
      type: z.literal('Event'),
      watchEvent,
      object: kubeObjectSchema.nullable().optional(),
      filterResult: z.unknown().optional(),
      snapshots: snapshots.optional(),
    })
    .strict(),
  z.object({ binding: z.string(), type: z.literal('Schedule'), snapshots: snapshots.optional() }).strict(),
  z.object({ binding: z.string(), type: z.literal('Group'), groupName: z.string(), snapshots }).strict(),
  z
    .object({
      binding: z.string(),
      type: z.enum(['Validating', 'Mutating']),
      review: z.object({ request: z.record(z.string(), z.unknown()) }).strict(),
      snapshots: snapshots.optional(),
    })
    .strict(),
  z
    .object({
      binding: z.string(),
      type: z.literal('Conversion'),
      fromVersion: z.string(),
      toVersion: z.string(),
      review: z.object({ request: z.record(z.string(), z.unknown()) }).strict(),
      snapshots: snapshots.optional(),
    })
    .strict(),
  // Lifecycle bindings (beforeHelm … afterDeleteHelm, beforeAll, afterAll) and onStartup.
  z.object({ binding: z.string(), snapshots: snapshots.optional() }).strict(),
  // v0 kubernetes event.
  z
    .object({
      binding: z.string(),
      resourceEvent: z.enum(['add', 'update', 'delete']),
      resourceNamespace: z.string(),
      resourceKind: z.string(),
      resourceName: z.string(),
    })
    .strict(),
]);
export type BindingContextShape = z.infer<typeof bindingContextSchema>;

/** The `$BINDING_CONTEXT_PATH` file: a non-empty array of contexts. */
export const bindingContextFileSchema = z.array(bindingContextSchema).min(1);

// ---------------------------------------------------------------------------------------------
// Values patches (addon-operator pkg/utils/values_patch.go): operations as stored; `replace` is rejected later by the patch rules.

export const valuesPatchOperationSchema = jsonPatchOperationSchema;

// ---------------------------------------------------------------------------------------------
// Kubernetes object patches (shell-operator pkg/kube/object_patch/patch.go)

const target = {
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  namespace: z.string().optional(),
  name: z.string().min(1),
};

export const objectPatchOperationSchema = z.discriminatedUnion('operation', [
  z.object({
    operation: z.enum(['Create', 'CreateOrUpdate', 'CreateIfNotExists']),
    object: kubeObjectSchema,
    subresource: z.string().optional(),
  }),
  z.object({ operation: z.enum(['Delete', 'DeleteInBackground', 'DeleteNonCascading']), ...target }),
  z.object({
    operation: z.literal('MergePatch'),
    ...target,
    mergePatch: z.unknown().refine((v) => v !== undefined, 'mergePatch is required'),
    subresource: z.string().optional(),
    ignoreMissingObject: z.boolean().optional(),
  }),
  z.object({
    operation: z.literal('JSONPatch'),
    ...target,
    jsonPatch: z.union([z.array(z.unknown()), z.string()]),
    subresource: z.string().optional(),
    ignoreMissingObject: z.boolean().optional(),
  }),
  z.object({
    operation: z.literal('JQPatch'),
    ...target,
    jqFilter: z.string().min(1),
    subresource: z.string().optional(),
    ignoreMissingObject: z.boolean().optional(),
  }),
]);
export type ObjectPatchOperationShape = z.infer<typeof objectPatchOperationSchema>;

// ---------------------------------------------------------------------------------------------
// Metric operations (shell-operator pkg/hook/operation.go), after shortcut expansion.

/**
 * What is wrong with a metric operation whose action is known (shell-operator pkg/hook/operation.go): `name` is required unless
 * it expires a group, a number `value` for add/set/observe, non-empty `buckets` for observe.
 * Returns the field and a rule (`"value" is required for add`), or undefined when it is valid. The
 * one check of the file reader, the hook metrics storage and `metricOperationSchema`.
 */
export function metricOperationProblem(op: {
  name?: unknown;
  action: string;
  value?: unknown;
  buckets?: unknown;
}): { field: 'name' | 'value' | 'buckets'; message: string } | undefined {
  if (op.action !== 'expire' && (typeof op.name !== 'string' || op.name === ''))
    return { field: 'name', message: `"name" is required for ${op.action}` };
  if (op.action !== 'expire' && (typeof op.value !== 'number' || Number.isNaN(op.value)))
    return { field: 'value', message: `"value" is required for ${op.action}` };
  if (op.action === 'observe' && !(Array.isArray(op.buckets) && op.buckets.length > 0))
    return { field: 'buckets', message: '"buckets" is required for observe' };
  return undefined;
}

export const metricOperationSchema = z
  .object({
    name: z.string(),
    action: z.enum(['add', 'set', 'observe', 'expire']),
    value: z.number().optional(),
    labels: z.record(z.string(), z.string()).optional(),
    buckets: z.array(z.number()).optional(),
    group: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    const problem = metricOperationProblem(m);
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  });
/** A metric operation as the engine applies it (`HookMetricOperation` in core). */
export type MetricOperation = z.infer<typeof metricOperationSchema>;
