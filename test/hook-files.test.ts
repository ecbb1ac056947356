import { InMemoryCluster } from '@converge/cluster-memory';
import {
  HookOutputError,
  JqProcessEngine,
  jqPatchFunction,
  parseObjectPatchFile,
  parseValuesPatchFile,
} from '@converge/hooks';
import type { KubeObject } from '@converge/protocol';
import { afterAll, describe, expect, it } from 'vitest';

const jq = new JqProcessEngine();
afterAll(() => jq.close());

const configMap = (name: string, namespace: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

const cm = { apiVersion: 'v1', kind: 'ConfigMap' };

describe('values patch files (addon-operator pkg/utils/values_patch.go, docs/conformance.md)', () => {
  it('TV-40 a stream of arrays and single operations gives all operations in file order', () => {
    const file = [
      '[{"op":"add","path":"/myModule/a","value":1}]',
      '{"op":"add","path":"/myModule/b","value":{"c":true}}',
      '[{"op":"remove","path":"/myModule/old"}]',
      '',
    ].join('\n');
    expect(parseValuesPatchFile(file)).toEqual([
      { op: 'add', path: '/myModule/a', value: 1 },
      { op: 'add', path: '/myModule/b', value: { c: true } },
      { op: 'remove', path: '/myModule/old' },
    ]);
  });
});

describe('kubernetes patch files (shell-operator pkg/kube/object_patch/patch.go, docs/conformance.md)', () => {
  it('TV-50 NDJSON operations run in order; a missing Deployment (ignoreMissingObject) and an absent Secret do not fail', async () => {
    const file = [
      '{"operation":"CreateOrUpdate","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"ns1"},"data":{"k":"v"}}}',
      '{"operation":"DeleteInBackground","apiVersion":"v1","kind":"Secret","namespace":"ns1","name":"old"}',
      '{"operation":"MergePatch","apiVersion":"apps/v1","kind":"Deployment","namespace":"ns1","name":"web","mergePatch":{"spec":{"replicas":2}},"ignoreMissingObject":true}',
    ].join('\n');
    const ops = parseObjectPatchFile(file);
    expect(ops.map((o) => o.operation)).toEqual(['CreateOrUpdate', 'DeleteInBackground', 'MergePatch']);
    const cluster = new InMemoryCluster();
    await expect(cluster.apply(ops)).resolves.toBeUndefined();
    expect(cluster.get({ ...cm, namespace: 'ns1', name: 'cm1' })?.data).toEqual({ k: 'v' });
    expect(cluster.get({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'ns1', name: 'web' })).toBe(
      undefined,
    );
  });

  it('TV-50 without ignoreMissingObject the same MergePatch of a missing Deployment fails', async () => {
    const ops = parseObjectPatchFile(
      '{"operation":"MergePatch","apiVersion":"apps/v1","kind":"Deployment","namespace":"ns1","name":"web","mergePatch":{"spec":{"replicas":2}}}',
    );
    await expect(new InMemoryCluster().apply(ops)).rejects.toThrow(/not found/);
  });

  it('TV-51 a YAML multi-document stream: JQPatch, JSONPatch, then Delete, in order', async () => {
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
    const ops = parseObjectPatchFile(file);
    expect(ops.map((o) => o.operation)).toEqual(['JQPatch', 'JSONPatch', 'Delete']);
    const ref = { ...cm, namespace: 'default', name: 'test' };

    // The first two alone: jq adds foo, the JSON patch then replaces the whole data.
    const seen: unknown[] = [];
    const cluster = new InMemoryCluster({
      objects: [configMap('test', 'default', { old: 'x' })],
      jq: (filter, input) => {
        const out = jqPatchFunction(jq)(filter, input);
        seen.push((out as KubeObject).data);
        return out;
      },
    });
    await cluster.apply(ops.slice(0, 2));
    expect(seen).toEqual([{ old: 'x', foo: 'bar' }]);
    expect(cluster.get(ref)?.data).toEqual({ test: 'test' });

    await cluster.apply(ops.slice(2));
    expect(cluster.get(ref)).toBe(undefined);
  });

  describe('TV-52 an invalid document rejects the whole file; nothing is applied', () => {
    const valid =
      '{"operation":"CreateOrUpdate","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"first","namespace":"default"}}}';
    const cases: [string, string, RegExp][] = [
      ['object required', '{"operation":"Create","namespace":"default"}', /non-empty "object"/],
      ['object non-empty', '{"operation":"CreateOrUpdate","object":{}}', /non-empty "object"/],
      ['name required', '{"operation":"Delete","kind":"ConfigMap"}', /"kind" and "name"/],
      ['kind required', '{"operation":"DeleteInBackground","name":"x"}', /"kind" and "name"/],
      ['jqFilter required', '{"operation":"JQPatch","kind":"ConfigMap","name":"x"}', /jqFilter/],
      [
        'operation names are case-sensitive',
        '{"operation":"jsonPatch","kind":"ConfigMap","name":"x","jsonPatch":[{"op":"add","path":"/a","value":1}]}',
        /unknown operation "jsonPatch"/,
      ],
      ['top-level array', '[{"operation":"Delete","kind":"ConfigMap","name":"x"}]', /array/],
    ];
    for (const [reason, doc, message] of cases)
      it(`TV-52 ${reason}`, async () => {
        let error: unknown;
        const cluster = new InMemoryCluster();
        try {
          await cluster.apply(parseObjectPatchFile(`${valid}\n${doc}\n`));
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(HookOutputError);
        expect((error as Error).message).toMatch(message);
        expect(cluster.get({ ...cm, namespace: 'default', name: 'first' })).toBe(undefined);
      });

    it('TV-52 (REC divergence) a JSONPatch whose first item is a remove without value is accepted, as an array or a string', async () => {
      for (const jsonPatch of [
        '[{"op":"remove","path":"/data/a"}]',
        '"[{\\"op\\":\\"remove\\",\\"path\\":\\"/data/a\\"}]"',
      ]) {
        const ops = parseObjectPatchFile(
          `{"operation":"JSONPatch","apiVersion":"v1","kind":"ConfigMap","namespace":"default","name":"x","jsonPatch":${jsonPatch}}`,
        );
        const cluster = new InMemoryCluster({ objects: [configMap('x', 'default', { a: '1', b: '2' })] });
        await cluster.apply(ops);
        expect(cluster.get({ ...cm, namespace: 'default', name: 'x' })?.data).toEqual({ b: '2' });
      }
    });
  });

  it('TV-53 Create takes the namespace from the object, never from the top-level field', async () => {
    const [op] = parseObjectPatchFile(
      '{"operation":"Create","namespace":"ns1","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}}',
    );
    expect(op).toEqual({
      operation: 'Create',
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
    });
    const cluster = new InMemoryCluster();
    await cluster.apply([op as NonNullable<typeof op>]).catch(() => undefined);
    expect(cluster.get({ ...cm, namespace: 'ns1', name: 'x' })).toBe(undefined);
  });

  it("TV-54 module-sdk's ignoreMissingObjects spelling is accepted: a MergePatch of a missing object succeeds", async () => {
    const ops = parseObjectPatchFile(
      '{"apiVersion":"v1","ignoreMissingObjects":true,"kind":"ConfigMap","mergePatch":{"data":{"a":"b"}},"name":"missing","namespace":"ns","operation":"MergePatch"}',
    );
    expect(ops[0]).toMatchObject({ operation: 'MergePatch', ignoreMissingObject: true });
    await expect(new InMemoryCluster().apply(ops)).resolves.toBeUndefined();
    // The canonical spelling works the same way.
    const canonical = parseObjectPatchFile(
      '{"apiVersion":"v1","ignoreMissingObject":true,"kind":"ConfigMap","mergePatch":{"data":{"a":"b"}},"name":"missing","namespace":"ns","operation":"MergePatch"}',
    );
    await expect(new InMemoryCluster().apply(canonical)).resolves.toBeUndefined();
  });
});
