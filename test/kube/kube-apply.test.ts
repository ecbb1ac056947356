import { InMemoryCluster } from '@converge/cluster-memory';
import type { ObjectPatchOperation } from '@converge/core';
import { KubeCluster, loadKubeConfig } from '@converge/kube';
import { ObjectPatchError } from '@converge/kube-model';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { cm, comparable, fakeJq, type KubeRig, ns, startRig } from './harness.js';

const ref = (kind: string, name: string, namespace?: string, apiVersion = 'v1'): ObjectRef => ({
  apiVersion,
  kind,
  name,
  ...(namespace ? { namespace } : {}),
});

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns1', labels: { app: 'web' } },
  spec: { replicas: 1 },
};

const SEED: KubeObject[] = [
  ns('ns1'),
  cm('test', 'default', undefined, { a: '1' }),
  cm('existing', 'ns1', { keep: 'me' }, { old: 'x' }),
  deployment,
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'creds', namespace: 'ns1' },
    data: { password: 'aHVudGVy' },
  } as KubeObject,
];

interface ApplyCase {
  title: string;
  operations: ObjectPatchOperation[];
  /** One regex per expected failure, in order: `Operation apiVersion/Kind ns/name: reason`. */
  failures?: RegExp[];
  /** Objects whose final state must match (undefined: absent) and be the same in both clusters. */
  expect: [ObjectRef, Record<string, unknown> | undefined][];
}

const CASES: ApplyCase[] = [
  {
    title:
      'TV-50 CreateOrUpdate creates; deleting an absent Secret and patching a missing object with ignoreMissingObject succeed',
    operations: [
      { operation: 'CreateOrUpdate', object: cm('cm1', 'ns1', undefined, { k: 'v' }) },
      { operation: 'DeleteInBackground', apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'old' },
      {
        operation: 'MergePatch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'ns1',
        name: 'missing',
        mergePatch: { spec: { replicas: 2 } },
        ignoreMissingObject: true,
      },
    ],
    expect: [[ref('ConfigMap', 'cm1', 'ns1'), { data: { k: 'v' } }]],
  },
  {
    title: 'TV-51 JQPatch then JSONPatch then Delete (foreground, waits until gone)',
    operations: [
      {
        operation: 'JQPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'test',
        jqFilter: '.data.foo = "bar"',
      },
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'test',
        jsonPatch: [{ op: 'replace', path: '/data', value: { test: 'test' } }],
      },
      {
        operation: 'JQPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        jqFilter: '.data.foo = "bar"',
      },
      { operation: 'Delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'test' },
    ],
    expect: [
      [ref('ConfigMap', 'test', 'default'), undefined],
      [ref('ConfigMap', 'existing', 'ns1'), { data: { old: 'x', foo: 'bar' } }],
    ],
  },
  {
    title: 'TV-51 JSONPatch result stays when not deleted',
    operations: [
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'test',
        jsonPatch: '[{"op":"replace","path":"/data","value":{"test":"test"}}]',
      },
    ],
    expect: [[ref('ConfigMap', 'test', 'default'), { data: { test: 'test' } }]],
  },
  {
    title: 'TV-53 Create takes the namespace from the object only (absent: default)',
    operations: [
      {
        operation: 'Create',
        namespace: 'ns1',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } },
      } as ObjectPatchOperation,
    ],
    expect: [
      [ref('ConfigMap', 'x', 'default'), { metadata: { name: 'x', namespace: 'default' } }],
      [ref('ConfigMap', 'x', 'ns1'), undefined],
    ],
  },
  {
    title: 'Create of an existing object fails, the next operation still runs',
    operations: [
      { operation: 'Create', object: cm('existing', 'ns1', undefined, { new: 'y' }) },
      // shell-operator pkg/kube/object_patch/patch.go: `object` may be a YAML or JSON manifest string.
      {
        operation: 'Create',
        object:
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\n  namespace: ns1\ndata:\n  from: yaml\n',
      } as unknown as ObjectPatchOperation,
    ],
    failures: [/^Create v1\/ConfigMap ns1\/existing: already exists/],
    expect: [
      [ref('ConfigMap', 'existing', 'ns1'), { data: { old: 'x' } }],
      [ref('ConfigMap', 'fresh', 'ns1'), { data: { from: 'yaml' } }],
    ],
  },
  {
    title: 'CreateIfNotExists leaves an existing object; CreateOrUpdate replaces it whole',
    operations: [
      { operation: 'CreateIfNotExists', object: cm('existing', 'ns1', undefined, { ignored: 'y' }) },
      { operation: 'CreateOrUpdate', object: cm('test', 'default', undefined, { replaced: 'z' }) },
    ],
    expect: [
      [ref('ConfigMap', 'existing', 'ns1'), { metadata: { labels: { keep: 'me' } }, data: { old: 'x' } }],
      [ref('ConfigMap', 'test', 'default'), { data: { replaced: 'z' } }],
    ],
  },
  {
    title: 'MergePatch merges (null removes a key, YAML string patches too); a missing object fails',
    operations: [
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        mergePatch: { data: { old: null, n: '1' } },
      },
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        mergePatch: 'metadata:\n  labels:\n    added: yes-string\n',
      },
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'nope',
        mergePatch: { data: {} },
      },
    ],
    failures: [/^MergePatch v1\/ConfigMap ns1\/nope: not found$/],
    expect: [
      [
        ref('ConfigMap', 'existing', 'ns1'),
        { data: { n: '1' }, metadata: { labels: { keep: 'me', added: 'yes-string' } } },
      ],
    ],
  },
  {
    title: 'bad patches fail with the in-memory reasons; every operation is attempted',
    operations: [
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        mergePatch: [1],
      },
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        jsonPatch: { op: 'add' },
      } as unknown as ObjectPatchOperation,
      {
        operation: 'JSONPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        jsonPatch: [{ op: 'test', path: '/data/old', value: 'not-x' }],
      },
      {
        operation: 'JQPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        jqFilter: '.metadata.name = "renamed"',
      },
      {
        operation: 'Create',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
      } as ObjectPatchOperation,
      {
        operation: 'MergePatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'existing',
        mergePatch: { data: { ok: 'yes' } },
      },
    ],
    failures: [
      /^MergePatch v1\/ConfigMap ns1\/existing: mergePatch must be an object$/,
      /^JSONPatch v1\/ConfigMap ns1\/existing: jsonPatch must be an array of RFC 6902 operations$/,
      /^JSONPatch v1\/ConfigMap ns1\/existing: invalid JSON patch: /,
      /^JQPatch v1\/ConfigMap ns1\/existing: a patch may not change apiVersion, kind, namespace or name$/,
      /^Create v1\/ConfigMap default\/: object needs apiVersion, kind and metadata.name$/,
    ],
    expect: [[ref('ConfigMap', 'existing', 'ns1'), { data: { old: 'x', ok: 'yes' } }]],
  },
  {
    title: "a JQPatch that fails on a Secret withholds jq's message, which may quote the Secret's data",
    operations: [
      {
        operation: 'JQPatch',
        apiVersion: 'v1',
        kind: 'Secret',
        namespace: 'ns1',
        name: 'creds',
        jqFilter: '.data.password | @base64d | tonumber',
      },
    ],
    failures: [
      /^JQPatch v1\/Secret ns1\/creds: jqFilter failed; its message is withheld, as it may quote the Secret's data$/,
    ],
    expect: [[ref('Secret', 'creds', 'ns1'), { data: { password: 'aHVudGVy' } }]],
  },
  {
    title: 'subresource status: only .status changes (MergePatch and JQPatch)',
    operations: [
      {
        operation: 'MergePatch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'ns1',
        name: 'web',
        subresource: 'status',
        mergePatch: { status: { replicas: 1 }, spec: { replicas: 5 } },
      },
      {
        operation: 'JQPatch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'ns1',
        name: 'web',
        subresource: 'status',
        jqFilter: '.status = {"phase":"Ready"}',
      },
    ],
    expect: [
      [ref('Deployment', 'web', 'ns1', 'apps/v1'), { spec: { replicas: 1 }, status: { phase: 'Ready' } }],
    ],
  },
  {
    title: 'DeleteNonCascading and Delete of absent objects succeed; DeleteInBackground deletes',
    operations: [
      {
        operation: 'DeleteNonCascading',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'absent',
      },
      { operation: 'Delete', apiVersion: 'v1', kind: 'ConfigMap', name: 'absent' },
      {
        operation: 'DeleteInBackground',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'ns1',
        name: 'web',
      },
    ],
    expect: [[ref('Deployment', 'web', 'ns1', 'apps/v1'), undefined]],
  },
];

/** Runs the operations; returns the failure lines ([] when all succeeded). */
async function run(
  cluster: { apply(ops: readonly ObjectPatchOperation[]): Promise<void> },
  ops: ObjectPatchOperation[],
) {
  try {
    await cluster.apply(ops);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ObjectPatchError);
    return (error as ObjectPatchError).failures.map(
      (f) =>
        `${f.operation} ${f.object.apiVersion}/${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name}: ${f.reason}`,
    );
  }
}

describe('KubeCluster.apply ≡ InMemoryCluster.apply (shell-operator pkg/kube/object_patch/patch.go)', () => {
  let rig: KubeRig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });

  for (const c of CASES) {
    it(c.title, async () => {
      const memory = new InMemoryCluster({ objects: SEED, jq: fakeJq });
      rig = await startRig(SEED);
      const memoryFailures = await run(memory, c.operations);
      const kubeFailures = await run(rig.kube, c.operations);
      for (const failures of [memoryFailures, kubeFailures]) {
        expect(failures).toHaveLength(c.failures?.length ?? 0);
        for (const [i, line] of failures.entries()) expect(line).toMatch(c.failures![i]);
      }
      for (const [target, shape] of c.expect) {
        const inMemory = memory.get(target);
        const viaApi = rig.server.cluster.get(target);
        if (shape === undefined) {
          expect(inMemory).toBeUndefined();
          expect(viaApi).toBeUndefined();
        } else {
          expect(inMemory).toMatchObject(shape);
          expect(comparable(viaApi)).toEqual(comparable(inMemory));
        }
      }
    });
  }

  it('ObjectPatchError lists every failure with operation, object and API reason', async () => {
    rig = await startRig(SEED);
    const error = await rig.kube
      .apply([
        { operation: 'Create', object: cm('existing', 'ns1') },
        { operation: 'Create', object: cm('in-missing-namespace', 'nowhere') },
        { operation: 'MergePatch', apiVersion: 'v1', kind: 'Gadget', name: 'g', mergePatch: {} },
      ])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ObjectPatchError);
    expect(error.message).toMatch(/^3 object patch operations failed: /);
    expect(error.failures[0].reason).toMatch(/^already exists \(AlreadyExists: /);
    expect(error.failures[1]).toMatchObject({
      operation: 'Create',
      object: ref('ConfigMap', 'in-missing-namespace', 'nowhere'),
    });
    expect(error.failures[1].reason).toMatch(/^404 NotFound: .*nowhere/);
    expect(error.failures[2].reason).toMatch(/serves no kind "Gadget" in v1/);
  });

  it('JQPatch without a jq function fails clearly; with one, a no-op result writes nothing', async () => {
    rig = await startRig(SEED);
    const kube = new KubeCluster(loadKubeConfig({ kubeconfig: rig.kubeconfig }));
    const op: ObjectPatchOperation = {
      operation: 'JQPatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'test',
      jqFilter: '.',
    };
    await expect(kube.apply([op])).rejects.toThrow(
      'JQPatch v1/ConfigMap default/test: no jq engine: pass `jq` to KubeCluster to apply JQPatch operations',
    );
    const version = rig.server.cluster.get(ref('ConfigMap', 'test', 'default'))?.metadata.resourceVersion;
    await rig.kube.apply([op]);
    expect(rig.server.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(rig.server.cluster.get(ref('ConfigMap', 'test', 'default'))?.metadata.resourceVersion).toBe(
      version,
    );
  });

  it('JQPatch replaces with the read resourceVersion and retries on 409 Conflict', async () => {
    rig = await startRig(SEED);
    const cluster = rig.server.cluster;
    let raced = false;
    // A writer that changes the object between our GET and PUT once.
    const racingJq = (filter: string, input: unknown) => {
      if (!raced) {
        raced = true;
        cluster.put({ ...cm('test', 'default', undefined, { a: '1', racer: 'won' }) });
      }
      return fakeJq(filter, input);
    };
    const kube = new KubeCluster(loadKubeConfig({ kubeconfig: rig.kubeconfig }), { jq: racingJq });
    await kube.apply([
      {
        operation: 'JQPatch',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'test',
        jqFilter: '.data.foo = "bar"',
      },
    ]);
    const puts = rig.server.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([409, 200]);
    expect(cluster.get(ref('ConfigMap', 'test', 'default'))?.data).toEqual({
      a: '1',
      racer: 'won',
      foo: 'bar',
    });
  });

  it('foreground Delete waits for finalizers and fails naming the object when it stays', async () => {
    rig = await startRig(
      [...SEED, { ...cm('held', 'ns1'), metadata: { name: 'held', namespace: 'ns1', finalizers: ['x/y'] } }],
      {
        deleteWaitMs: 300,
      },
    );
    const error = await rig.kube
      .apply([{ operation: 'Delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'held' }])
      .catch((e) => e);
    expect(error).toBeInstanceOf(ObjectPatchError);
    expect(error.message).toBe('Delete v1/ConfigMap ns1/held: still present 0.3 s after a foreground delete');
    // DeleteInBackground does not wait.
    await rig.kube.apply([
      {
        operation: 'DeleteInBackground',
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'ns1',
        name: 'held',
      },
    ]);
  });

  it('shell-operator pkg/kube/object_patch/patch.go: each delete operation sends its propagation policy (Foreground, Background, Orphan)', async () => {
    rig = await startRig([cm('a', 'ns1'), cm('b', 'ns1'), cm('c', 'ns1')]);
    await rig.kube.apply([
      { operation: 'Delete', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'a' },
      { operation: 'DeleteInBackground', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'b' },
      { operation: 'DeleteNonCascading', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns1', name: 'c' },
    ]);
    const deletes = rig.server.requests.filter((r) => r.method === 'DELETE');
    expect(
      deletes.map((r) => [
        r.path.split('/').at(-1),
        (r.body as { propagationPolicy?: string }).propagationPolicy,
      ]),
    ).toEqual([
      ['a', 'Foreground'],
      ['b', 'Background'],
      ['c', 'Orphan'],
    ]);
  });
});
