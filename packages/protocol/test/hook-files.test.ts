import { describe, expect, it } from 'vitest';
import {
  bindingContextFileSchema,
  metricOperationSchema,
  objectPatchOperationSchema,
} from '../src/hook-files.js';

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns1' } };

describe('schemas of hook files (shell-operator pkg/hook/binding_context/binding_context.go, shell-operator pkg/hook/hook_io.go)', () => {
  it('binding contexts: every v1 and v0 shape is accepted, and other shapes are not', () => {
    const ok = [
      [{ binding: 'onStartup' }],
      [{ binding: 'beforeHelm', snapshots: { pods: [{ object: pod, filterResult: 'a' }], cms: [] } }],
      [{ binding: 'pods', type: 'Synchronization', objects: [{}, { filterResult: null }] }],
      [{ binding: 'pods', type: 'Event', watchEvent: 'Deleted', filterResult: { n: 'a' } }],
      [{ binding: 'every-min', type: 'Schedule', snapshots: { pods: [] } }],
      [{ binding: 'pods', type: 'Group', groupName: 'g1', snapshots: { pods: [{ object: pod }] } }],
      [{ binding: 'p.example.com', type: 'Validating', review: { request: { uid: 'u' } } }],
      [
        {
          binding: 'c',
          type: 'Conversion',
          fromVersion: 'a/v1',
          toVersion: 'a/v2',
          review: { request: { uid: 'u' } },
        },
      ],
      [
        {
          binding: 'kube',
          resourceEvent: 'add',
          resourceNamespace: 'ns1',
          resourceKind: 'Pod',
          resourceName: 'a',
        },
      ],
    ];
    for (const file of ok)
      expect(bindingContextFileSchema.safeParse(file).success, JSON.stringify(file)).toBe(true);
    const bad = [
      [],
      [{ type: 'Schedule' }],
      [{ binding: 'pods', type: 'Synchronization' }],
      [{ binding: 'pods', type: 'Event', watchEvent: 'Updated' }],
      [{ binding: 'pods', type: 'Group', snapshots: {} }],
      [{ binding: 'x', type: 'Bogus' }],
    ];
    for (const file of bad)
      expect(bindingContextFileSchema.safeParse(file).success, JSON.stringify(file)).toBe(false);
  });

  it('object patch operations: each operation with its required fields', () => {
    const ok = [
      { operation: 'CreateOrUpdate', object: pod },
      { operation: 'DeleteInBackground', apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'old' },
      {
        operation: 'MergePatch',
        kind: 'Deployment',
        name: 'web',
        mergePatch: { spec: { replicas: 2 } },
        ignoreMissingObject: true,
      },
      {
        operation: 'JSONPatch',
        kind: 'ConfigMap',
        name: 'x',
        jsonPatch: '[{"op":"remove","path":"/data/a"}]',
      },
      { operation: 'JQPatch', kind: 'ConfigMap', name: 'x', jqFilter: '.data.foo = "bar"' },
    ];
    for (const op of ok)
      expect(objectPatchOperationSchema.safeParse(op).success, JSON.stringify(op)).toBe(true);
    const bad = [
      { operation: 'Create', namespace: 'default' },
      { operation: 'Delete', kind: 'ConfigMap' },
      { operation: 'DeleteInBackground', name: 'x' },
      { operation: 'JQPatch', kind: 'ConfigMap', name: 'x' },
      { operation: 'jsonPatch', kind: 'ConfigMap', name: 'x', jsonPatch: [] },
    ];
    for (const op of bad)
      expect(objectPatchOperationSchema.safeParse(op).success, JSON.stringify(op)).toBe(false);
  });

  it('metric operations: observe needs buckets, set/add need a value', () => {
    expect(metricOperationSchema.safeParse({ name: 'm', action: 'set', value: 1 }).success).toBe(true);
    expect(metricOperationSchema.safeParse({ name: '', action: 'expire', group: 'g' }).success).toBe(true);
    expect(metricOperationSchema.safeParse({ name: 'm', action: 'observe', value: 1 }).success).toBe(false);
    expect(metricOperationSchema.safeParse({ name: 'm', action: 'set' }).success).toBe(false);
  });
});
