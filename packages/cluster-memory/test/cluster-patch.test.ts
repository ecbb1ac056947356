import type { ObjectPatchOperation } from '@converge/core';
import { applyMergePatch, ObjectPatchError } from '@converge/kube-model';
import type { KubeObject, WatchEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../src/index.js';

const ref = (name: string, namespace = 'default') => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  namespace,
  name,
});

function cm(name: string, data: Record<string, string> = {}, namespace?: string): KubeObject {
  const metadata: KubeObject['metadata'] = { name };
  if (namespace) metadata.namespace = namespace;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

async function rejection(promise: Promise<unknown>): Promise<ObjectPatchError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ObjectPatchError);
    return error as ObjectPatchError;
  }
  throw new Error('expected a rejection');
}

describe('RFC 7386 merge patch', () => {
  it('merges objects, removes nulls, replaces arrays and scalars, leaves inputs alone', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] };
    const patch = { a: 'z', c: { f: null, h: 'i' }, list: [3], n: { deep: null } };
    expect(applyMergePatch(target, patch)).toEqual({ a: 'z', c: { d: 'e', h: 'i' }, list: [3], n: {} });
    expect(target).toEqual({ a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] });
    expect(applyMergePatch({ a: 1 }, ['x'])).toEqual(['x']);
    expect(applyMergePatch(['x'], { a: 1 })).toEqual({ a: 1 });
  });
});

describe('InMemoryCluster.apply', () => {
  it('Create creates, and fails naming operation, object and reason when the object exists', async () => {
    const c = new InMemoryCluster();
    await c.apply([{ operation: 'Create', object: cm('a', { v: '1' }) }]);
    expect(c.get(ref('a'))?.data).toEqual({ v: '1' });
    const error = await rejection(c.apply([{ operation: 'Create', object: cm('a', { v: '2' }) }]));
    expect(error.message).toBe('Create v1/ConfigMap default/a: already exists');
    expect(error.operation).toBe('Create');
    expect(error.object).toEqual(ref('a'));
    expect(error.reason).toBe('already exists');
    expect(c.get(ref('a'))?.data).toEqual({ v: '1' });
  });

  it('CreateOrUpdate replaces the whole object and keeps the uid', async () => {
    const c = new InMemoryCluster({ objects: [{ ...cm('a', { v: '1' }), extra: true } as KubeObject] });
    const uid = c.get(ref('a'))!.metadata.uid;
    await c.apply([{ operation: 'CreateOrUpdate', object: cm('a', { v: '2' }) }]);
    const after = c.get(ref('a'))!;
    expect(after.data).toEqual({ v: '2' });
    expect(after.extra).toBeUndefined();
    expect(after.metadata.uid).toBe(uid);
    await c.apply([{ operation: 'CreateOrUpdate', object: cm('b', {}, 'prod') }]);
    expect(c.get(ref('b', 'prod'))).toBeDefined();
  });

  it('CreateIfNotExists creates a missing object and leaves an existing one untouched', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { v: '1' })] });
    const before = c.get(ref('a'))!;
    await c.apply([
      { operation: 'CreateIfNotExists', object: cm('a', { v: '2' }) },
      { operation: 'CreateIfNotExists', object: cm('b', { v: '2' }) },
    ]);
    expect(c.get(ref('a'))).toEqual(before);
    expect(c.get(ref('b'))?.data).toEqual({ v: '2' });
  });

  it('Create accepts a YAML or JSON manifest string', async () => {
    const c = new InMemoryCluster();
    const yaml =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  namespace: prod\ndata:\n  k: v\n';
    await c.apply([
      { operation: 'Create', object: yaml as unknown as KubeObject },
      { operation: 'Create', object: JSON.stringify(cm('from-json')) as unknown as KubeObject },
    ]);
    expect(c.get(ref('from-yaml', 'prod'))?.data).toEqual({ k: 'v' });
    expect(c.get(ref('from-json'))).toBeDefined();
  });

  it.each(['Delete', 'DeleteInBackground', 'DeleteNonCascading'] as const)(
    '%s removes the object; a missing object is not an error',
    async (operation) => {
      const c = new InMemoryCluster({ objects: [cm('a')] });
      await c.apply([{ operation, apiVersion: 'v1', kind: 'ConfigMap', name: 'a' }]);
      expect(c.get(ref('a'))).toBeUndefined();
      await expect(
        c.apply([{ operation, apiVersion: 'v1', kind: 'ConfigMap', name: 'a' }]),
      ).resolves.toBeUndefined();
    },
  );

  it('MergePatch merges (object or string), and a missing object fails unless ignored', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { keep: '1', drop: '2' })] });
    await c.apply([
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        mergePatch: { data: { drop: null, add: '3' } },
      },
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        mergePatch: 'metadata:\n  labels:\n    l: x\n',
      },
    ]);
    const a = c.get(ref('a'))!;
    expect(a.data).toEqual({ keep: '1', add: '3' });
    expect(a.metadata.labels).toEqual({ l: 'x' });
    const missing: ObjectPatchOperation = {
      operation: 'MergePatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'nope',
      mergePatch: { data: {} },
    };
    expect((await rejection(c.apply([missing]))).message).toBe(
      'MergePatch v1/ConfigMap default/nope: not found',
    );
    await expect(c.apply([{ ...missing, ignoreMissingObject: true }])).resolves.toBeUndefined();
  });

  it('JSONPatch applies RFC 6902 operations, and an invalid patch fails with the reason', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { n: '1' })] });
    await c.apply([
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        jsonPatch: [
          { op: 'test', path: '/data/n', value: '1' },
          { op: 'replace', path: '/data/n', value: '2' },
          { op: 'add', path: '/data/m', value: 'x' },
          { op: 'remove', path: '/data/m' },
        ],
      },
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        jsonPatch: '[{"op": "add", "path": "/data/s", "value": "from string"}]',
      },
    ]);
    expect(c.get(ref('a'))?.data).toEqual({ n: '2', s: 'from string' });
    const error = await rejection(
      c.apply([
        {
          operation: 'JSONPatch',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'a',
          jsonPatch: [{ op: 'test', path: '/data/n', value: 'other' }],
        },
      ]),
    );
    expect(error.message).toMatch(/^JSONPatch v1\/ConfigMap default\/a: invalid JSON patch/);
    expect(c.get(ref('a'))?.data).toEqual({ n: '2', s: 'from string' });
  });

  it('JQPatch runs the injected jq and writes its result; without jq it fails clearly', async () => {
    const calls: string[] = [];
    const jq = (filter: string, input: unknown) => {
      calls.push(filter);
      const object = structuredClone(input) as KubeObject;
      object.data = { ...(object.data as object), patched: 'yes' };
      return object;
    };
    const op: ObjectPatchOperation = {
      operation: 'JQPatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'a',
      jqFilter: '.data.patched = "yes"',
    };
    const c = new InMemoryCluster({ objects: [cm('a', { v: '1' })], jq });
    await c.apply([op]);
    expect(calls).toEqual(['.data.patched = "yes"']);
    expect(c.get(ref('a'))?.data).toEqual({ v: '1', patched: 'yes' });

    const noJq = new InMemoryCluster({ objects: [cm('a')] });
    expect((await rejection(noJq.apply([op]))).reason).toMatch(/no jq engine/);
    await expect(
      noJq.apply([{ ...op, name: 'missing', ignoreMissingObject: true }]),
    ).resolves.toBeUndefined();
  });

  it('an unchanged patch result writes nothing', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { v: '1' })], jq: (_filter, input) => input });
    const events: WatchEvent[] = [];
    c.watch({ kind: 'ConfigMap' }, (e) => events.push(e));
    const rv = c.get(ref('a'))!.metadata.resourceVersion;
    await c.apply([
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        mergePatch: { data: { v: '1' } },
      },
      { operation: 'JQPatch', apiVersion: 'v1', kind: 'ConfigMap', name: 'a', jqFilter: '.' },
    ]);
    await c.quiesce();
    expect(c.get(ref('a'))!.metadata.resourceVersion).toBe(rv);
    expect(events).toEqual([]);
  });

  it('the status subresource changes only .status', async () => {
    const c = new InMemoryCluster({ objects: [cm('a', { v: '1' })] });
    await c.apply([
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        subresource: '/status',
        mergePatch: { status: { ready: true }, data: { v: 'ignored' } },
      },
    ]);
    const a = c.get(ref('a'))!;
    expect(a.status).toEqual({ ready: true });
    expect(a.data).toEqual({ v: '1' });
  });

  it('a patch may not rename the object', async () => {
    const c = new InMemoryCluster({ objects: [cm('a')] });
    const error = await rejection(
      c.apply([
        {
          operation: 'MergePatch',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'a',
          mergePatch: { metadata: { name: 'b' } },
        },
      ]),
    );
    expect(error.reason).toMatch(/may not change/);
    expect(c.get(ref('b'))).toBeUndefined();
  });

  it('every operation is attempted; earlier and later successes stay applied and all failures are named', async () => {
    const c = new InMemoryCluster({ objects: [cm('exists')] });
    const error = await rejection(
      c.apply([
        { operation: 'Create', object: cm('first') },
        { operation: 'Create', object: cm('exists') },
        { operation: 'Create', object: cm('second') },
        {
          operation: 'MergePatch',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          name: 'ghost',
          mergePatch: { data: {} },
        },
      ]),
    );
    expect(c.get(ref('first'))).toBeDefined();
    expect(c.get(ref('second'))).toBeDefined();
    expect(error.failures.map((f) => `${f.operation} ${f.object.name}: ${f.reason}`)).toEqual([
      'Create exists: already exists',
      'MergePatch ghost: not found',
    ]);
    expect(error.message).toMatch(/^2 object patch operations failed: Create v1\/ConfigMap default\/exists/);
  });

  it('a Create without identity fails', async () => {
    const c = new InMemoryCluster();
    const error = await rejection(
      c.apply([{ operation: 'Create', object: { apiVersion: 'v1', kind: 'ConfigMap' } as KubeObject }]),
    );
    expect(error.reason).toMatch(/apiVersion, kind and metadata.name/);
  });

  it('patch writes reach watchers', async () => {
    const c = new InMemoryCluster();
    const seen: string[] = [];
    c.watch({ kind: 'ConfigMap' }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    await c.apply([
      { operation: 'Create', object: cm('a') },
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: 'a',
        mergePatch: { data: { x: '1' } },
      },
      { operation: 'Delete', apiVersion: 'v1', kind: 'ConfigMap', name: 'a' },
    ]);
    await c.quiesce();
    expect(seen).toEqual(['Added a', 'Modified a', 'Deleted a']);
  });
});
