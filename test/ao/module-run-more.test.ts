import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { alwaysFail, CallLog, checkReplayThenStop, hook, markerChart } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const ofType = <T extends string>(t: TestEngine, type: T) =>
  t.events.filter((e) => e.type === type) as Extract<TestEngine['events'][number], { type: T }>[];

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };

describe('module run (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall), docs/conformance.md)', () => {
  it('AO-49 a deployed release with the rendered checksum and all resources present is not upgraded; the monitor starts', async () => {
    // Learn the release a first install produces, then start over with it already in place.
    const first = await createTestEngine({ modules: [{ name: 'a', chart: markerChart('a') }] });
    await first.start();
    const installed = first.releases()[0];
    const manifest = first.releaseStore.manifest('a');
    const object = first.cluster.get(marker);
    await first.stop();
    expect(installed).toMatchObject({ name: 'a', status: 'deployed' });
    expect(object).toBeDefined();

    t = await createTestEngine({
      modules: [{ name: 'a', chart: markerChart('a') }],
      objects: [object!],
      releases: [{ ...installed, revision: 7, manifest }],
    });
    await t.start();
    expect(ofType(t, 'HelmReleaseUpgraded')).toEqual([]);
    expect(ofType(t, 'HelmUpgradeSkipped')).toEqual([
      expect.objectContaining({ module: 'a', release: 'a', reason: 'unchanged' }),
    ]);
    expect(t.releases()[0]).toMatchObject({ revision: 7, status: 'deployed', checksum: installed.checksum });
    // The resources monitor watches the skipped release: an object deleted out of band comes back.
    await t.cluster.delete(marker);
    await t.advance(330_000);
    expect(ofType(t, 'HelmDriftDetected')).toEqual([
      expect.objectContaining({ module: 'a', reason: 'absent', resources: ['default/ConfigMap/a-marker'] }),
    ]);
    expect(t.cluster.get(marker)).toBeDefined();
  });

  it('AO-51 a release whose last revision is not deployed is upgraded even with an equal checksum', async () => {
    t = await createTestEngine({
      modules: [{ name: 'a', chart: markerChart('a') }],
      config: { a: { x: 1 } },
    });
    await t.start();
    // Control: a run with an unchanged manifest skips Helm.
    await t.setConfig({ a: { x: 2 } });
    expect(ofType(t, 'HelmUpgradeSkipped')).toHaveLength(1);
    const r = t.releases()[0];
    t.releaseStore.seed({
      name: 'a',
      namespace: r.namespace,
      revision: r.revision,
      status: 'failed',
      checksum: r.checksum,
      manifest: t.releaseStore.manifest('a'),
    });
    await t.setConfig({ a: { x: 3 } });
    expect(ofType(t, 'HelmReleaseUpgraded').at(-1)).toMatchObject({
      module: 'a',
      reason: 'not-deployed',
      checksum: r.checksum,
      revision: r.revision + 1,
    });
    expect(t.releases()[0]).toMatchObject({ status: 'deployed', revision: r.revision + 1 });
  });

  it('AO-63 a named-queue schedule hook with allowFailure succeeds; without it, it blocks only its queue', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(
              log,
              'hooks/s',
              { schedule: [{ crontab: '*/5 * * * *', queue: 'cron-q', allowFailure: true }] },
              alwaysFail('s failed'),
            ),
            hook(
              log,
              'hooks/f',
              { schedule: [{ crontab: '*/7 * * * *', queue: 'cron-q' }] },
              alwaysFail('f failed'),
            ),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
          ],
        },
      ],
      config: { a: { x: 1 } },
    });
    await t.start();
    await t.tick('*/5 * * * *');
    expect(log.of('hooks/s')).toHaveLength(1);
    expect(t.metrics.get('module_hook_allowed_errors_total', { module: 'a', hook: 'hooks/s' })).toBe(1);
    expect(ofType(t, 'RetryScheduled')).toEqual([]);
    expect(t.queues()['cron-q'].tasks).toEqual([]);

    await t.tick('*/7 * * * *');
    expect(ofType(t, 'RetryScheduled')).toEqual([
      expect.objectContaining({ queue: 'cron-q', module: 'a', delayMs: 5_000 }),
    ]);
    expect(t.queues()['cron-q'].tasks).toEqual(['ModuleHookRun:a:hooks/f']);
    expect(t.metrics.get('module_hook_errors_total', { module: 'a', hook: 'hooks/f' })).toBe(1);
    // main is unaffected: a section change re-runs the module right away.
    await t.setConfig({ a: { x: 2 } });
    expect(log.of('hooks/b').at(-1)?.configValues).toEqual({ global: {}, a: { x: 2 } });
    expect(t.queues().main.tasks).toEqual([]);
    expect(t.queues()['cron-q'].tasks).toEqual(['ModuleHookRun:a:hooks/f']);
  });

  it('AO-65 helm values validation (x-required-for-helm) fails the run at “check helm values” until the value is set', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          chart: markerChart('a'),
          validateHelmValues: (v) => {
            const a = (v.a ?? {}) as Record<string, unknown>;
            const missing = ['p1', 'p2'].filter((k) => a[k] === undefined);
            return missing.length > 0 ? `missing required properties: ${missing.join(', ')}` : undefined;
          },
          hooks: [
            hook(log, 'hooks/b', { beforeHelm: 1 }, (_i, call) => ({
              valuesPatch: [
                { op: 'add', path: '/a/p1', value: 'one' },
                ...(call >= 2 ? [{ op: 'add' as const, path: '/a/p2', value: 'two' }] : []),
              ],
            })),
          ],
        },
      ],
    });
    await t.start();
    // The hook's patch was accepted; the Helm step refused the values.
    expect(ofType(t, 'HookSucceeded').filter((e) => e.hook === 'hooks/b')).toHaveLength(1);
    expect(t.values('a')).toMatchObject({ p1: 'one' });
    expect(ofType(t, 'ModuleFailed')).toEqual([
      expect.objectContaining({
        module: 'a',
        phase: 'helm',
        error: expect.stringContaining('check helm values'),
      }),
    ]);
    expect(ofType(t, 'ModuleFailed')[0].error).toContain('p2');
    expect(t.releases()).toEqual([]);
    expect(ofType(t, 'RetryScheduled')).toEqual([expect.objectContaining({ module: 'a', delayMs: 5_000 })]);
    await t.advance(5_000);
    expect(t.releases().map((r) => r.name)).toEqual(['a']);
    expect(t.values('a')).toMatchObject({ p1: 'one', p2: 'two' });
    expect(t.state.modules.a.value).toBe('ready');
  });

  it('AO-109 a values change by a named-queue Synchronization queues no ModuleRun; the waiting run uses the new value', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [
        { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ns1', labels: { app: 'x' } } },
      ],
      modules: [
        {
          name: 'a',
          hooks: [
            hook(
              log,
              'hooks/k',
              {
                kubernetes: [
                  {
                    name: 'pods',
                    apiVersion: 'v1',
                    kind: 'Pod',
                    labelSelector: { matchLabels: { app: 'x' } },
                    queue: 'q',
                  },
                ],
              },
              () => ({ valuesPatch: [{ op: 'add', path: '/a/z', value: 'synced' }] }),
            ),
            hook(log, 'hooks/b', { beforeHelm: 1 }),
            hook(log, 'hooks/c', { afterHelm: 1 }),
          ],
        },
      ],
    });
    await t.start();
    expect(log.names).toEqual(['a/hooks/k:kubernetes', 'a/hooks/b:beforeHelm', 'a/hooks/c:afterHelm']);
    expect(ofType(t, 'HookStarted').find((e) => e.hook === 'hooks/k')).toMatchObject({
      queue: 'q',
      synchronization: true,
    });
    expect(ofType(t, 'ModuleRunStarted')).toHaveLength(1);
    expect(log.of('hooks/b')[0].values).toMatchObject({ a: { z: 'synced' } });
    expect(log.of('hooks/c')[0].values).toMatchObject({ a: { z: 'synced' } });
    expect(t.queues().main.tasks).toEqual([]);
  });
});
