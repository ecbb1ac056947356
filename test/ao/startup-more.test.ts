import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, failTimes, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns1', labels: { app: 'x' } },
});

const podsBinding = (extra: Record<string, unknown> = {}) => ({
  name: 'pods',
  apiVersion: 'v1',
  kind: 'Pod',
  labelSelector: { matchLabels: { app: 'x' } },
  ...extra,
});

const seqOf = (t: TestEngine, pred: (e: TestEngine['events'][number]) => boolean) =>
  t.events.find(pred)?.seq ?? Number.NaN;

describe('startup (docs/conformance.md, docs/conformance.md)', () => {
  it('AO-11 a config change before the first converge ends the head task’s backoff sleep; ApplyKubeConfigValues runs next', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [hook(log, 'g.sh', { onStartup: 1 }, failTimes(1))],
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }],
      config: { global: { x: 1 } },
    });
    await t.start();
    const failedAt = t.clock.now();
    expect(log.names).toEqual(['g.sh:onStartup']);
    expect(t.queues().main.sleepingUntil).toBe(failedAt + 5_000);
    const failed = seqOf(t!, (e) => e.type === 'HookFailed');

    await t.setConfig({ global: { x: 2 } });
    // No time passed: the sleep was cancelled, the config applied, then the failed task re-ran.
    expect(t.clock.now()).toBe(failedAt);
    const applied = seqOf(t!, (e) => e.type === 'ConfigValuesChanged' && e.seq > failed);
    const retried = t.events.filter((e) => e.type === 'HookStarted' && e.hook === 'g.sh')[1]?.seq;
    expect(applied).toBeGreaterThan(failed);
    expect(applied).toBeLessThan(retried);
    expect(log.of('g.sh')[1].configValues).toEqual({ global: { x: 2 } });
    expect(log.names).toEqual(['g.sh:onStartup', 'g.sh:onStartup', 'a/hooks/b:beforeHelm']);
    expect(t.state.startup.value).toBe('ready');
  });

  it('AO-14 a global Synchronization in main is head-inserted, before the next EnableKubernetesBindings, with the current objects', async () => {
    const log = new CallLog();
    let mainAtSync: string[] = [];
    t = await createTestEngine({
      objects: [pod('p1'), pod('p2')],
      globalHooks: [
        hook(log, 'g1.sh', { kubernetes: [podsBinding()] }, () => {
          mainAtSync = [...t!.queues().main.tasks];
          return undefined;
        }),
        hook(log, 'g3.sh', { kubernetes: [podsBinding({ name: 'pods3' })] }),
      ],
      modules: [{ name: 'a' }],
    });
    await t.start();
    expect(log.names).toEqual(['g1.sh:kubernetes', 'g3.sh:kubernetes']);
    expect(mainAtSync).toEqual([
      'GlobalHookRun:g1.sh',
      'GlobalHookEnableKubernetesBindings:g3.sh',
      'GlobalHookWaitKubernetesSynchronization',
      'ConvergeModules',
    ]);
    const [ctx] = log.of('g1.sh')[0].bindingContexts;
    expect(ctx).toMatchObject({ binding: 'pods', type: 'Synchronization' });
    const objects = ctx.objects as { object: { metadata: { name: string } } }[];
    expect(objects.map((o) => o.object.metadata.name)).toEqual(['p1', 'p2']);
  });

  it('AO-16 the converge waits for a global Synchronization in a named queue (waitForSynchronization default)', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('p1')],
      globalHooks: [
        hook(log, 'g4.sh', { kubernetes: [podsBinding({ queue: 'q1' })] }, failTimes(1)),
        hook(log, 'g0.sh', { beforeAll: 1 }),
      ],
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }],
    });
    await t.start();
    expect(log.names).toEqual(['g4.sh:kubernetes']);
    expect(t.events.some((e) => e.type === 'ConvergeStarted')).toBe(false);
    expect(t.state.startup.value).not.toBe('ready');
    await t.advance(5_000);
    expect(log.names).toEqual([
      'g4.sh:kubernetes',
      'g4.sh:kubernetes',
      'g0.sh:beforeAll',
      'a/hooks/b:beforeHelm',
    ]);
    const synced = seqOf(t!, (e) => e.type === 'SynchronizationCompleted' && e.hook === 'g4.sh');
    expect(synced).toBeLessThan(seqOf(t!, (e) => e.type === 'ConvergeStarted'));
    expect(t.state.startup.value).toBe('ready');
  });

  it('AO-17 with waitForSynchronization: false the converge does not wait for the named-queue Synchronization', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [pod('p1')],
      globalHooks: [
        hook(
          log,
          'g4.sh',
          { kubernetes: [podsBinding({ queue: 'q1', waitForSynchronization: false })] },
          failTimes(1),
        ),
        hook(log, 'g0.sh', { beforeAll: 1 }),
      ],
      modules: [{ name: 'a', hooks: [hook(log, 'hooks/b', { beforeHelm: 1 })] }],
    });
    await t.start();
    // The Synchronization is still failing in q1 while the first converge has completed.
    expect(log.names).toEqual(['g4.sh:kubernetes', 'g0.sh:beforeAll', 'a/hooks/b:beforeHelm']);
    expect(t.events.filter((e) => e.type === 'ConvergeCompleted')).toHaveLength(1);
    expect(t.queues().q1.tasks).toEqual(['GlobalHookRun:g4.sh']);
    expect(t.events.some((e) => e.type === 'SynchronizationCompleted')).toBe(false);
    await t.advance(5_000);
    expect(log.names.filter((n) => n === 'g4.sh:kubernetes')).toHaveLength(2);
    expect(t.events.some((e) => e.type === 'SynchronizationCompleted' && e.hook === 'g4.sh')).toBe(true);
  });

  it('AO-24 a failing purge of an unknown release is logged and not retried', async () => {
    t = await createTestEngine({
      modules: [{ name: 'a' }],
      releases: [{ name: 'zz', namespace: 'default', revision: 3, status: 'deployed', checksum: 'y' }],
    });
    t.releaseStore.failNext('uninstall', 'uninstall zz: connection refused');
    await t.start();
    expect(t.events.filter((e) => e.type === 'HelmOperationFailed')).toEqual([
      expect.objectContaining({
        module: 'zz',
        operation: 'purge',
        error: expect.stringContaining('refused'),
      }),
    ]);
    expect(t.events.some((e) => e.type === 'RetryScheduled')).toBe(false);
    expect(t.logger.records.some((r) => r.level === 'warn' && /purge/i.test(r.msg ?? ''))).toBe(true);
    await t.advance(120_000);
    expect(t.events.filter((e) => e.type === 'HelmOperationFailed')).toHaveLength(1);
    expect(t.events.some((e) => e.type === 'HelmReleaseUninstalled')).toBe(false);
    expect(t.releases().map((r) => r.name)).toEqual(['zz']);
    expect(t.queues().main.tasks).toEqual([]);
  });
});
