import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { checkReplayThenStop, markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };
const drift = () => t!.events.filter((e) => e.type === 'HelmDriftDetected');
const runs = () => t!.events.filter((e) => e.type === 'ModuleRunStarted');

describe('Helm resources monitor ticks as addon-operator’s ResourcesMonitor', () => {
  it('AO-103 a release status that cannot be read counts as not deployed and redeploys', async () => {
    t = await createTestEngine({ modules: [{ name: 'a', chart: markerChart('a') }] });
    await t.start();
    t.releaseStore.failNext('status', 'connection refused');
    await t.advance(330_000);
    expect(drift()).toMatchObject([
      {
        module: 'a',
        reason: 'status',
        status: 'unknown',
        error: expect.stringContaining('connection refused'),
      },
    ]);
    expect(t.metrics.get('modules_helm_release_redeployed_total', { module: 'a' })).toBe(1);
    expect(runs().at(-1)).toMatchObject({ module: 'a', trigger: 'HelmReleaseUnexpectedStatus' });
    // The ModuleRun decides again: the release reads as deployed and unchanged now, so Helm is skipped.
    expect(t.events.at(-2)).toMatchObject({ type: 'HelmUpgradeSkipped', module: 'a' });
  });

  it('AO-64 AO-103 one tick reports both an unexpected status and the first absent object, and queues one ModuleRun', async () => {
    t = await createTestEngine({ modules: [{ name: 'a', chart: markerChart('a') }] });
    await t.start();
    const r = t.releases()[0];
    t.releaseStore.seed({
      name: 'a',
      namespace: r.namespace,
      revision: r.revision,
      status: 'failed',
      checksum: r.checksum,
    });
    await t.cluster.delete(marker);
    await t.advance(330_000);
    expect(drift().map((e) => e.reason)).toEqual(['status', 'absent']);
    expect(t.metrics.get('modules_helm_release_redeployed_total', { module: 'a' })).toBe(1);
    expect(
      t.metrics.get('modules_absent_resources_total', {
        module: 'a',
        resource: 'default/ConfigMap/a-marker',
      }),
    ).toBe(1);
    expect(runs()).toHaveLength(2);
    expect(runs()[1]).toMatchObject({ trigger: 'HelmReleaseUnexpectedStatus' });
    expect(t.cluster.get(marker)).toBeDefined();
  });

  it('AO-64 of several absent objects only the first is reported and counted, as AbsentResources returns one', async () => {
    const chart = {
      ...markerChart('a'),
      'templates/cm2.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-second\ndata: {}\n',
    };
    t = await createTestEngine({ modules: [{ name: 'a', chart }] });
    await t.start();
    await t.cluster.delete(marker);
    await t.cluster.delete({ ...marker, name: 'a-second' });
    await t.advance(330_000);
    expect(drift()).toHaveLength(1);
    expect(drift()[0]).toMatchObject({ reason: 'absent' });
    expect((drift()[0] as { resources: string[] }).resources).toHaveLength(1);
    expect(t.cluster.get({ ...marker, name: 'a-second' })).toBeDefined();
  });
});
