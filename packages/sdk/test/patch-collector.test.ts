import { describe, expect, it } from 'vitest';
import { PatchCollector } from '../src/patch-collector.js';

const cm = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cm', namespace: 'ns' },
  data: { a: 'b' },
};

describe('PatchCollector', () => {
  it('TV-88 Create, Delete, JSONPatch and JQPatch with options give four NDJSON lines', () => {
    const patches = new PatchCollector();
    patches.create(cm);
    patches.delete('v1', 'Secret', 'ns', 's');
    patches.jsonPatch([{ op: 'add', path: '/metadata/labels/x', value: 'y' }], 'v1', 'ConfigMap', 'ns', 'cm');
    patches.jqPatch('.data.x="1"', 'v1', 'ConfigMap', 'ns', 'cm', {
      subresource: '/status',
      ignoreHookError: true,
    });
    const lines = patches.toNdjson().split('\n');
    expect(lines.at(-1)).toBe('');
    const docs = lines.slice(0, -1).map((l) => JSON.parse(l));
    expect(docs.map((d) => d.operation)).toEqual(['Create', 'Delete', 'JSONPatch', 'JQPatch']);
    expect(docs[0]).toEqual({ operation: 'Create', object: cm });
    expect(docs[1]).toEqual({
      operation: 'Delete',
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'ns',
      name: 's',
    });
    expect(docs[2]).toEqual({
      operation: 'JSONPatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'cm',
      jsonPatch: [{ op: 'add', path: '/metadata/labels/x', value: 'y' }],
    });
    expect(docs[3]).toEqual({
      operation: 'JQPatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'cm',
      jqFilter: '.data.x="1"',
      subresource: '/status',
      ignoreHookError: true,
    });
    expect(patches.operations()).toEqual(docs);
  });

  it('TV-88 other operations: cluster-scoped delete keeps namespace "", ignoreMissingObject is singular', () => {
    const patches = new PatchCollector();
    patches.createOrUpdate(cm);
    patches.createIfNotExists(cm);
    patches.deleteInBackground('v1', 'Namespace', '', 'n');
    patches.deleteNonCascading('apps/v1', 'Deployment', 'ns', 'd');
    patches.mergePatch({ data: { x: '1' } }, 'v1', 'ConfigMap', 'ns', 'cm', { ignoreMissingObject: true });
    const ops = patches.operations();
    expect(ops.map((o) => o.operation)).toEqual([
      'CreateOrUpdate',
      'CreateIfNotExists',
      'DeleteInBackground',
      'DeleteNonCascading',
      'MergePatch',
    ]);
    expect(ops[2]).toEqual({
      operation: 'DeleteInBackground',
      apiVersion: 'v1',
      kind: 'Namespace',
      namespace: '',
      name: 'n',
    });
    expect(ops[4]).toEqual({
      operation: 'MergePatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'cm',
      mergePatch: { data: { x: '1' } },
      ignoreMissingObject: true,
    });
    expect(JSON.stringify(ops[4])).not.toContain('ignoreMissingObjects');
  });

  it('copies the object when collected', () => {
    const patches = new PatchCollector();
    const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'v' } };
    patches.create(obj);
    obj.data.k = 'changed';
    expect(patches.operations()[0]).toEqual({ operation: 'Create', object: { ...obj, data: { k: 'v' } } });
    expect(new PatchCollector().toNdjson()).toBe('');
  });
});
