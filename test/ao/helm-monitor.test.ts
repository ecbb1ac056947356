import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook, markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };

describe('Helm resources monitor, maintenance, CRDs, readiness (addon-operator pkg/helm_resources_manager/, addon-operator pkg/module_manager/models/modules/basic.go (maintenance state), addon-operator pkg/task/tasks/module-ensure-crds/task.go, addon-operator pkg/task/service/converge.go)', () => {
  it('AO-64 a chart object deleted out of band is detected by the monitor within 4m30s–5m29s and re-applied', async () => {
    t = await createTestEngine({ modules: [{ name: 'a', chart: markerChart('a') }] });
    await t.start();
    await t.cluster.delete(marker);
    expect(t.cluster.get(marker)).toBeUndefined();
    await t.advance(269_000);
    expect(t.events.some((e) => e.type === 'HelmDriftDetected')).toBe(false);
    await t.advance(60_000);
    expect(t.events.find((e) => e.type === 'HelmDriftDetected')).toMatchObject({
      module: 'a',
      reason: 'absent',
      resources: ['default/ConfigMap/a-marker'],
    });
    expect(
      t.metrics.get('modules_absent_resources_total', {
        module: 'a',
        resource: 'default/ConfigMap/a-marker',
      }),
    ).toBe(1);
    const run = t.events.filter((e) => e.type === 'ModuleRunStarted').at(-1);
    expect(run).toMatchObject({ module: 'a', trigger: 'AbsentHelmResourcesDetected' });
    expect(t.events.filter((e) => e.type === 'HelmReleaseUpgraded').at(-1)).toMatchObject({
      reason: 'absent',
      revision: 2,
    });
    expect(t.cluster.get(marker)).toBeDefined();
  });

  it('AO-103 a release whose status is no longer deployed is redeployed by the next monitor tick', async () => {
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
    await t.advance(330_000);
    expect(t.metrics.get('modules_helm_release_redeployed_total', { module: 'a' })).toBe(1);
    expect(t.events.filter((e) => e.type === 'ModuleRunStarted').at(-1)).toMatchObject({
      trigger: 'HelmReleaseUnexpectedStatus',
    });
    expect(t.releases()[0]).toMatchObject({ status: 'deployed' });
    expect(t.events.filter((e) => e.type === 'HelmReleaseUpgraded').at(-1)).toMatchObject({
      reason: 'not-deployed',
    });
  });

  it('AO-66 an unmanaged module upgrades once with the maintenance label, then Helm is skipped and not monitored', async () => {
    t = await createTestEngine({
      modules: [{ name: 'a', chart: markerChart('a') }],
      config: { a: { x: 1 } },
    });
    await t.start();
    await t.setConfig({ a: { x: 1 }, aMaintenance: 'NoResourceReconciliation' });
    const upgrades = t.events.filter((e) => e.type === 'HelmReleaseUpgraded');
    expect(upgrades.at(-1)).toMatchObject({ reason: 'maintenance', revision: 2 });
    await t.setConfig({ a: { x: 2 }, aMaintenance: 'NoResourceReconciliation' });
    expect(t.events.filter((e) => e.type === 'HelmUpgradeSkipped').at(-1)).toMatchObject({
      reason: 'unmanaged',
    });
    await t.cluster.delete(marker);
    await t.advance(400_000);
    expect(t.events.some((e) => e.type === 'HelmDriftDetected')).toBe(false);
    expect(t.cluster.get(marker)).toBeUndefined();
  });

  it('AO-38 a module enabled by its flag gets its CRDs applied before its first run', async () => {
    const log = new CallLog();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' },
    };
    t = await createTestEngine({
      modules: [{ name: 'a', enabled: false, crds: [crd], hooks: [hook(log, 'hooks/s', { onStartup: 1 })] }],
    });
    await t.start();
    expect(
      t.cluster.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }),
    ).toBeUndefined();
    await t.setConfig({ aEnabled: true });
    const stored = t.cluster.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name });
    expect(stored?.metadata.labels).toMatchObject({ heritage: 'addon-operator' });
    const types = t.events.map((e) => e.type);
    expect(types.indexOf('ModuleCrdsEnsured')).toBeLessThan(types.indexOf('ModuleRunStarted'));
    expect(log.names).toEqual(['a/hooks/s:onStartup']);
  });

  it('AO-22 readiness: not started, in progress, then done and waiting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const hookRunning = new Promise<void>((r) => {
      entered = r;
    });
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(new CallLog(), 'hooks/b', { beforeHelm: 1 }, async () => {
              entered();
              await gate;
              return undefined;
            }),
          ],
        },
      ],
    });
    expect(t.engine.status()).toMatchObject({ ready: false, converge: 'STARTUP_CONVERGE_NOT_STARTED' });
    const started = t.start();
    await hookRunning;
    expect(t.engine.status()).toMatchObject({ ready: false, converge: 'STARTUP_CONVERGE_IN_PROGRESS' });
    release();
    await started;
    expect(t.engine.status()).toEqual({ ready: true, converge: 'CONVERGE_WAIT_TASK', tasks: 0 });
  });

  it('AO-43 convergence_seconds and convergence_total per activation', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(new CallLog(), 'hooks/b', { beforeHelm: 1 }, (_i, n) => {
              if (n === 1) throw new Error('x');
              return undefined;
            }),
          ],
        },
      ],
    });
    await t.start();
    await t.advance(12_000);
    expect(t.metrics.get('convergence_total', { activation: 'OperatorStartup' })).toBe(1);
    expect(t.metrics.get('convergence_seconds', { activation: 'OperatorStartup' })).toBe(5);
  });
});
