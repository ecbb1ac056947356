import { z } from 'zod';

/** A Kubernetes object as the engine sees it: plain JSON with apiVersion, kind and metadata. */
export const kubeObjectSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: z
      .object({
        name: z.string(),
        namespace: z.string().optional(),
        labels: z.record(z.string(), z.string()).optional(),
        annotations: z.record(z.string(), z.string()).optional(),
        uid: z.string().optional(),
        resourceVersion: z.string().optional(),
      })
      .loose(),
  })
  .loose();
export type KubeObject = z.infer<typeof kubeObjectSchema>;

/** Identifies one object. `namespace` is absent for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export const labelSelectorRequirementSchema = z.object({
  key: z.string(),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

export const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const fieldSelectorSchema = z.object({
  matchExpressions: z.array(
    z.object({
      field: z.string(),
      operator: z.enum(['=', '==', 'Equals', '!=', 'NotEquals']),
      value: z.string(),
    }),
  ),
});
export type FieldSelector = z.infer<typeof fieldSelectorSchema>;

/** What a kubernetes binding (or a test) watches: kind plus optional selectors. */
export interface ResourceSelector {
  apiVersion?: string;
  kind: string;
  /** Namespace names to watch; empty or absent means all namespaces. */
  namespaces?: string[];
  namespaceLabelSelector?: LabelSelector;
  names?: string[];
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
}

export type WatchEventType = 'Added' | 'Modified' | 'Deleted';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
}
