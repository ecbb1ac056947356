import { MemoryEventStore } from '@converge/runtime';
import { type CodeModule, createTestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';

// README.md "Run the demo": the in-memory cluster and releases persist beside the log, so a
// restart continues where the last run stopped.

const web: CodeModule = {
  name: 'web',
  chart: {
    'templates/cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  a: "1"\n',
    'templates/sa.yaml': 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: web\n',
  },
};
const settingsRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'web-settings' };

const since = <E extends { seq: number }>(events: readonly E[], seq: number) =>
  events.filter((e) => e.seq > seq);

describe('the embedded default on a shared store', () => {
  it('a second engine on the same store skips the unchanged release and keeps the objects', async () => {
    const store = new MemoryEventStore();
    const first = await createTestEngine({ modules: [web], store });
    await first.start();
    expect(first.releases()).toMatchObject([{ name: 'web', revision: 1, status: 'deployed' }]);
    const settings = first.cluster.get(settingsRef);
    await first.stop();
    const firstLast = store.lastSeq();

    const second = await createTestEngine({ modules: [web], store });
    await second.start();
    const run = since(second.events, firstLast);
    // engine.events reads the store: the first run's events are there too.
    expect(second.events[0]).toMatchObject({ seq: 1, type: 'EngineStarted' });
    expect(run[0]).toMatchObject({ seq: firstLast + 1, type: 'EngineStarted' });
    expect(run.filter((e) => e.type === 'HelmUpgradeSkipped')).toMatchObject([
      { module: 'web', reason: 'unchanged' },
    ]);
    expect(run.filter((e) => e.type === 'HelmReleaseUpgraded')).toEqual([]);
    expect(second.releases()).toMatchObject([{ name: 'web', revision: 1, status: 'deployed' }]);
    expect(second.cluster.get(settingsRef)).toEqual(settings);
    // New writes continue the cluster's resourceVersions.
    const added = await second.cluster.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'new' },
    });
    expect(Number(added.metadata.resourceVersion)).toBeGreaterThan(
      Number(settings?.metadata.resourceVersion),
    );
    await second.stop();
  });

  it('a changed chart upgrades to revision 2, and disabling after a restart removes what the first run rendered', async () => {
    const store = new MemoryEventStore();
    const first = await createTestEngine({ modules: [web], store });
    await first.start();
    await first.stop();

    const changed: CodeModule = {
      ...web,
      chart: {
        ...(web.chart as Record<string, string>),
        'templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  a: "2"\n',
      },
    };
    const second = await createTestEngine({ modules: [changed], store });
    await second.start();
    expect(second.releases()).toMatchObject([{ name: 'web', revision: 2 }]);
    expect(second.cluster.get(settingsRef)?.data).toEqual({ a: '2' });
    await second.stop();

    const third = await createTestEngine({ modules: [changed], store, config: { webEnabled: false } });
    await third.start();
    expect(third.releases()).toEqual([]);
    expect(third.cluster.get(settingsRef)).toBeUndefined();
    expect(third.cluster.get({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'web' })).toBeUndefined();
    await third.stop();
    const fourth = await createTestEngine({ modules: [changed], store, config: { webEnabled: false } });
    expect(fourth.releases()).toEqual([]);
    expect(fourth.cluster.list({ apiVersion: 'v1', kind: 'ConfigMap' })).toEqual([]);
    await fourth.stop();
  });
});
