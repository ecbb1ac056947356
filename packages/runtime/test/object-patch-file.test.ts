import type { HookMetricOperation, ObjectPatchOperation } from '@converge/core';
import {
  HookOutputFileError,
  type MetricFileOperation,
  type ObjectPatchFileOperation,
  parseMetricsFile,
} from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { parseObjectPatchFile } from '../src/object-patch-file.js';

// Type-level checks: the protocol's parsed shapes are what the core ports take.
type Assignable<T, U> = [T] extends [U] ? true : false;
const operationsFit: Assignable<ObjectPatchFileOperation, ObjectPatchOperation> = true;
const metricsFit: Assignable<MetricFileOperation, HookMetricOperation> = true;

function failure(text: string): HookOutputFileError {
  try {
    parseObjectPatchFile(text, { file: 'KUBERNETES_PATCH_PATH' });
  } catch (e) {
    if (e instanceof HookOutputFileError) return e;
    throw e;
  }
  throw new Error('expected a HookOutputFileError');
}

describe('object patch files (HP §3.3)', () => {
  it('parsed operations are assignable to the core port types', () => {
    const ops: ObjectPatchOperation[] = parseObjectPatchFile(
      '{"operation":"Delete","apiVersion":"v1","kind":"ConfigMap","name":"x"}',
    );
    const metrics: HookMetricOperation[] = parseMetricsFile('{"name":"m","set":1}').operations;
    expect([operationsFit, metricsFit, ops.length, metrics.length]).toEqual([true, true, 1, 1]);
  });

  it('TV-50 valid NDJSON', () => {
    const ops = parseObjectPatchFile(
      [
        '{"operation":"CreateOrUpdate","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"ns1"},"data":{"k":"v"}}}',
        '{"operation":"DeleteInBackground","apiVersion":"v1","kind":"Secret","namespace":"ns1","name":"old"}',
        '{"operation":"MergePatch","apiVersion":"apps/v1","kind":"Deployment","namespace":"ns1","name":"web","mergePatch":{"spec":{"replicas":2}},"ignoreMissingObject":true}',
      ].join('\n'),
    );
    expect(ops.map((o) => o.operation)).toEqual(['CreateOrUpdate', 'DeleteInBackground', 'MergePatch']);
    expect(ops[2]).toMatchObject({ ignoreMissingObject: true, mergePatch: { spec: { replicas: 2 } } });
    expect(parseObjectPatchFile('\n  \n')).toEqual([]);
  });

  it('TV-51 valid YAML multi-document', () => {
    const file = `operation: JQPatch
apiVersion: v1
kind: ConfigMap
namespace: default
name: test
jqFilter: '.data.foo = "bar"'
---
operation: JSONPatch
apiVersion: v1
kind: ConfigMap
namespace: default
name: test
jsonPatch:
- {op: replace, path: /data, value: {test: test}}
---
operation: Delete
apiVersion: v1
kind: ConfigMap
namespace: default
name: test
`;
    const target = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'test' };
    expect(parseObjectPatchFile(file)).toEqual([
      { operation: 'JQPatch', ...target, jqFilter: '.data.foo = "bar"' },
      {
        operation: 'JSONPatch',
        ...target,
        jsonPatch: [{ op: 'replace', path: '/data', value: { test: 'test' } }],
      },
      { operation: 'Delete', ...target },
    ]);
  });

  it('TV-51 YAML: manifests given as strings, empty documents, keys as written', () => {
    const file = `---
operation: Create
namespace: ignored
object: |
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: x
    namespace: ns1
---
operation: MergePatch
kind: ConfigMap
name: x
mergePatch: |
  data:
    a: b
`;
    expect(parseObjectPatchFile(file)).toEqual([
      {
        operation: 'Create',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns1' } },
      },
      {
        operation: 'MergePatch',
        apiVersion: '',
        kind: 'ConfigMap',
        name: 'x',
        mergePatch: { data: { a: 'b' } },
      },
    ]);
    // YAML keys are case-sensitive: `Kind` is an unknown key, so kind is missing.
    expect(failure('operation: Delete\nKind: ConfigMap\nname: x\n').field).toBe('kind');
  });

  it('TV-52 invalid documents reject the whole file', () => {
    const array = failure('[{"operation":"Delete","kind":"ConfigMap","name":"x"}]');
    expect([array.file, array.document, array.field]).toEqual(['KUBERNETES_PATCH_PATH', 1, '']);
    expect(array.message).toMatch(/array of operations is not accepted/);
    const yamlArray = failure('- operation: Delete\n  kind: ConfigMap\n  name: x\n');
    expect(yamlArray.message).toMatch(/array of operations is not accepted/);
    const second = failure(
      'operation: Delete\nkind: ConfigMap\nname: x\n---\noperation: Delete\nkind: ConfigMap\n',
    );
    expect([second.document, second.field]).toEqual([2, 'name']);
    const broken = failure('operation: Delete\nkind: [ConfigMap\n');
    expect(broken.message).toMatch(/neither a JSON stream nor YAML/);
    expect(failure('{"operation":"jsonPatch","kind":"ConfigMap","name":"x"}').field).toBe('operation');
  });

  it('TV-53 Create takes the namespace from the object only', () => {
    expect(
      parseObjectPatchFile(
        '{"operation":"Create","namespace":"ns1","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}}',
      ),
    ).toEqual([
      { operation: 'Create', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } },
    ]);
  });

  it('TV-54 ignoreMissingObjects (module-sdk spelling) counts as ignoreMissingObject, in JSON and YAML', () => {
    const json =
      '{"apiVersion":"v1","ignoreMissingObjects":true,"kind":"ConfigMap","mergePatch":{"data":{"a":"b"}},"name":"missing","namespace":"ns","operation":"MergePatch"}';
    expect(parseObjectPatchFile(json)[0]).toMatchObject({ name: 'missing', ignoreMissingObject: true });
    const yaml =
      'operation: JQPatch\nkind: ConfigMap\nname: missing\njqFilter: .\nignoreMissingObjects: true\n';
    expect(parseObjectPatchFile(yaml)[0]).toMatchObject({ operation: 'JQPatch', ignoreMissingObject: true });
  });
});
