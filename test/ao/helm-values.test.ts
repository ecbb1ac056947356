import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { checkReplayThenStop } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

describe('Helm upgrades driven by values (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall))', () => {
  it('AO-50 a beforeHelm value used by a template changes the rendered checksum and upgrades', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'web',
          chart: {
            'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
            'templates/cm.yaml':
              'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  size: "{{ .Values.web.size }}"\n',
          },
          hooks: [
            {
              name: 'hooks/size.sh',
              config: { configVersion: 'v1', beforeHelm: 1 },
              // The size comes from the user config, copied into values by the hook.
              run: ({ configValues }) => ({
                valuesPatch: [
                  {
                    op: 'add',
                    path: '/web/size',
                    value: (configValues.web as { size?: string }).size ?? 'small',
                  },
                ],
              }),
            },
          ],
        },
      ],
      config: { web: { size: 'small' } },
    });
    await t.start();
    const first = t.releases()[0];
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'web' })?.data,
    ).toEqual({ size: 'small' });
    await t.setConfig({ web: { size: 'large' } });
    const second = t.releases()[0];
    expect(second.revision).toBe(first.revision + 1);
    expect(second.checksum).not.toBe(first.checksum);
    expect(t.events.filter((e) => e.type === 'HelmReleaseUpgraded').at(-1)).toMatchObject({
      reason: 'checksum',
      checksum: second.checksum,
    });
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'web' })?.data,
    ).toEqual({ size: 'large' });
    // Same values again: the rendered manifest is unchanged, so Helm is skipped.
    await t.setConfig({ web: { size: 'large' }, global: { unrelated: true } });
    expect(t.releases()[0].revision).toBe(second.revision);
    expect(t.events.filter((e) => e.type === 'HelmUpgradeSkipped').at(-1)).toMatchObject({
      reason: 'unchanged',
    });
  });
});

describe('ConversionWebhook objects (addon-operator pkg/task/tasks/module-ensure-hooks/task.go)', () => {
  it('AO-100 (not reproduced, docs/compatibility.md) a chart’s ConversionWebhook is applied by the release itself, on every converge no extra task runs', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'conv',
          chart: {
            'Chart.yaml': 'apiVersion: v2\nname: conv\nversion: 0.1.0\n',
            'templates/webhook.yaml':
              'apiVersion: deckhouse.io/v1alpha1\nkind: ConversionWebhook\nmetadata:\n  name: widgets.example.com\nspec:\n  conversions: []\n',
          },
        },
      ],
      config: { global: { x: 1 } },
    });
    await t.start();
    const ref = {
      apiVersion: 'deckhouse.io/v1alpha1',
      kind: 'ConversionWebhook',
      namespace: 'default',
      name: 'widgets.example.com',
    };
    expect(t.cluster.get(ref)).toBeDefined();
    await t.setConfig({ global: { x: 2 } }); // a GlobalValuesChanged-style reconverge
    expect(t.events.filter((e) => e.type === 'ConvergeCompleted')).toHaveLength(2);
    expect(t.releases()[0].revision).toBe(1);
    expect(t.cluster.get(ref)).toBeDefined();
  });
});
