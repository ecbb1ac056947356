import { RemovedApiError } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallLog, hook, markerChart } from '../support/recorder.js';
import { type KubeRig, ns, startRig } from './harness.js';

const oldDaemonSet = (name: string): KubeObject => ({
  apiVersion: 'extensions/v1beta1',
  kind: 'DaemonSet',
  metadata: { name, namespace: 'default' },
  spec: {},
});

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

describe('APIs Kubernetes removed are refused embedded, as a cluster refuses them', () => {
  it('AO-58 a chart with an extensions/v1beta1 DaemonSet fails its helm step, names the object and the replacement, and applies nothing', async () => {
    const chart = {
      ...markerChart('a'),
      'templates/ds.yaml':
        'apiVersion: extensions/v1beta1\nkind: DaemonSet\nmetadata:\n  name: agent\nspec: {}\n',
    };
    t = await createTestEngine({ modules: [{ name: 'a', chart }] });
    await t.start();
    const failed = t.events.find((e) => e.type === 'ModuleFailed');
    expect(failed).toMatchObject({ module: 'a', phase: 'helm' });
    const error = (failed as { error: string }).error;
    expect(error).toContain('DaemonSet "agent"');
    expect(error).toContain('apiVersion extensions/v1beta1 was removed in Kubernetes 1.16');
    expect(error).toContain('use apiVersion apps/v1');
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' }),
    ).toBeUndefined();
  });

  it('AO-58 a hook creating a batch/v1beta1 CronJob fails with the same help; objects given to the kit are refused too', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/b', { beforeHelm: 1 }, () => ({
              kubernetesPatches: [
                {
                  operation: 'Create',
                  object: {
                    apiVersion: 'batch/v1beta1',
                    kind: 'CronJob',
                    metadata: { name: 'nightly', namespace: 'default' },
                  },
                },
              ],
            })),
          ],
        },
      ],
    });
    await t.start();
    expect((t.events.find((e) => e.type === 'HookFailed') as { error: string }).error).toMatch(
      /CronJob "default\/nightly": apiVersion batch\/v1beta1 was removed in Kubernetes 1\.25; use apiVersion batch\/v1/,
    );
    await t.stop();
    t = undefined;
    await expect(createTestEngine({ objects: [oldDaemonSet('x')] })).rejects.toThrow(RemovedApiError);
  });
});

describe('namespaces have status.phase Active, as Kubernetes gives them', () => {
  let rig: KubeRig;
  beforeAll(async () => {
    rig = await startRig([ns('team-a')]);
  });
  afterAll(() => rig.close());

  it('AO-45 the test API server refuses the removed API and serves namespaces with phase Active', async () => {
    await expect(rig.kube.apply([{ operation: 'Create', object: oldDaemonSet('x') }])).rejects.toThrow(
      /DaemonSet|extensions\/v1beta1/,
    );
    const active = await rig.kube.list({
      kind: 'Namespace',
      fieldSelector: { matchExpressions: [{ field: 'status.phase', operator: 'Equals', value: 'Active' }] },
    });
    expect(active.map((n) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'team-a']));
  });

  it('AO-45 a hook selecting Active namespaces finds them in the embedded cluster', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [ns('team-b')],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/ns', {
              kubernetes: [
                {
                  name: 'active',
                  apiVersion: 'v1',
                  kind: 'Namespace',
                  fieldSelector: {
                    matchExpressions: [{ field: 'status.phase', operator: 'Equals', value: 'Active' }],
                  },
                },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    const objects = log.of('hooks/ns')[0].bindingContexts[0].objects as {
      object: { metadata: { name: string } };
    }[];
    expect(objects.map((o) => o.object.metadata.name)).toContain('team-b');
    await t.cluster.apply(ns('team-c'));
    expect(log.of('hooks/ns').at(-1)?.bindingContexts[0]).toMatchObject({
      watchEvent: 'Added',
      object: { metadata: { name: 'team-c' }, status: { phase: 'Active' } },
    });
  });
});
