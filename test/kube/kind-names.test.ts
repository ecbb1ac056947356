import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CallLog, hook } from '../support/recorder.js';
import { cm, EventLog, type KubeRig, startRig } from './harness.js';

/** A CRD whose kind is also named by its plural `crontabs`, singular `crontab` and short name `ct`. */
const cronTabCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { kind: 'CronTab', plural: 'crontabs', singular: 'crontab', shortNames: ['ct'] },
    versions: [{ name: 'v1', served: true, storage: true }],
  },
} as KubeObject;

const cronTab = (name: string): KubeObject => ({
  apiVersion: 'stable.example.com/v1',
  kind: 'CronTab',
  metadata: { name, namespace: 'default' },
  spec: { cronSpec: '* * * * */5' },
});

/** A kind whose plural no rule guesses: only the CRD says `geese`. */
const gooseCrd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'geese.birds.example.com' },
  spec: {
    group: 'birds.example.com',
    scope: 'Namespaced',
    names: { kind: 'Goose', plural: 'geese' },
    versions: [{ name: 'v1', served: true, storage: true }],
  },
} as KubeObject;

const names = (objects: KubeObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

describe('kinds named by plural or short name, resolved as addon-operator’s kube client does', () => {
  let rig: KubeRig;
  beforeAll(async () => {
    rig = await startRig([
      cronTabCrd,
      cronTab('a'),
      cm('settings', 'default'),
      gooseCrd,
      { apiVersion: 'birds.example.com/v1', kind: 'Goose', metadata: { name: 'g', namespace: 'default' } },
    ]);
  });
  afterAll(() => rig.close());

  const CASES: ResourceSelector[] = [
    { kind: 'ct' },
    { kind: 'CT' },
    { kind: 'crontabs' },
    { kind: 'crontab' },
    { apiVersion: 'stable.example.com/v1', kind: 'ct' },
  ];
  for (const selector of CASES) {
    it(`AO-45 ${JSON.stringify(selector)} lists the CronTab in the embedded cluster and over the API (--cluster kube)`, async () => {
      expect(names(rig.server.cluster.listSync(selector))).toEqual(['CronTab/a']);
      expect(names(await rig.kube.list(selector))).toEqual(['CronTab/a']);
    });
  }

  it('AO-45 a plural only the CRD defines (geese) names Goose in both', async () => {
    expect(names(rig.server.cluster.listSync({ kind: 'geese' }))).toEqual(['Goose/g']);
    expect(names(await rig.kube.list({ kind: 'geese' }))).toEqual(['Goose/g']);
  });

  it('AO-45 a built-in short name (cm) names ConfigMap in both', async () => {
    expect(names(rig.server.cluster.listSync({ kind: 'cm', namespaces: ['default'] }))).toContain(
      'ConfigMap/settings',
    );
    expect(names(await rig.kube.list({ kind: 'cm', namespaces: ['default'] }))).toContain(
      'ConfigMap/settings',
    );
  });

  it('AO-45 an object patch may name its kind by short name, embedded and over the API', async () => {
    const patch = (value: string) => ({
      operation: 'MergePatch' as const,
      apiVersion: 'stable.example.com/v1',
      kind: 'ct',
      namespace: 'default',
      name: 'a',
      mergePatch: { spec: { image: value } },
    });
    await rig.server.cluster.apply([patch('embedded')]);
    const ref = { apiVersion: 'stable.example.com/v1', kind: 'CronTab', namespace: 'default', name: 'a' };
    expect(rig.server.cluster.get(ref)?.spec).toMatchObject({ image: 'embedded' });
    await rig.kube.apply([patch('kube')]);
    expect(rig.server.cluster.get(ref)?.spec).toMatchObject({ image: 'kube' });
  });

  it('AO-45 a watch by short name over the API sees a new object', async () => {
    const log = new EventLog();
    const stop = rig.kube.watch({ kind: 'ct' }, log.push);
    try {
      await rig.kube.ready();
      rig.server.cluster.put(cronTab('b'));
      const [event] = await log.count(1);
      expect(event).toMatchObject({ type: 'Added', object: { kind: 'CronTab', metadata: { name: 'b' } } });
    } finally {
      stop();
      rig.server.cluster.remove({
        apiVersion: 'stable.example.com/v1',
        kind: 'CronTab',
        namespace: 'default',
        name: 'b',
      });
    }
  });
});

describe('a hook bound to `kind: ct` in the embedded cluster', () => {
  let t: TestEngine | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('AO-45 synchronizes with the CronTabs and gets an event for a new one, also when the CRD comes later', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [hook(log, 'hooks/ct', { kubernetes: [{ name: 'tabs', kind: 'ct' }] })],
        },
      ],
    });
    await t.start();
    const [sync] = log.of('hooks/ct');
    expect(sync.bindingContexts[0]).toMatchObject({ type: 'Synchronization', objects: [] });
    await t.cluster.apply(cronTabCrd);
    await t.cluster.apply(cronTab('x'));
    const event = log.of('hooks/ct').at(-1)!;
    expect(event.bindingContexts[0]).toMatchObject({
      type: 'Event',
      watchEvent: 'Added',
      object: { kind: 'CronTab', metadata: { name: 'x' } },
    });
  });
});
