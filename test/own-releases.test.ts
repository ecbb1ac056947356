import { InMemoryCluster } from '@converge/cluster-memory';
import { InMemoryReleaseStore, OWNER_LABEL } from '@converge/helm';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook, markerChart } from './support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const names = () => t!.releases().map((r) => r.name);
const leftAlone = () =>
  t!.logger.records.filter(
    (r) => r.level === 'info' && /left alone, not installed by converge/.test(r.msg ?? ''),
  );

describe('only its own releases (docs/compatibility.md)', () => {
  it('the startup purge leaves foreign releases alone and logs each once; marked ones are purged', async () => {
    t = await createTestEngine({
      modules: [
        { name: 'a', chart: markerChart('a') },
        { name: 'b', enabled: false, chart: markerChart('b') },
      ],
      releases: [
        // A user's own `helm install my-app`: no marks.
        { name: 'my-app', revision: 1, status: 'deployed' },
        // Named like the disabled module, but not installed by converge or addon-operator.
        { name: 'b', revision: 2, status: 'deployed', labels: { team: 'web' } },
        // addon-operator's mark: the moduleChecksum release label.
        { name: 'old-module', revision: 3, status: 'deployed', checksum: 'x' },
        // converge's own mark.
        { name: 'gone-module', revision: 1, status: 'deployed', labels: { [OWNER_LABEL]: 'converge' } },
      ],
    });
    await t.start();
    const purged = t.events
      .filter((e) => e.type === 'HelmReleaseUninstalled')
      .map((e) => (e as { release: string }).release);
    expect(purged.sort()).toEqual(['gone-module', 'old-module']);
    expect(names()).toEqual(['a', 'b', 'my-app']);
    expect(leftAlone().map((r) => r.release)).toEqual(['b', 'my-app']);
  });

  it('a release converge installs carries the owner label beside moduleChecksum', async () => {
    t = await createTestEngine({ modules: [{ name: 'a', chart: markerChart('a') }] });
    await t.start();
    const info = await t.releaseStore.status('a');
    expect(info?.labels).toMatchObject({ [OWNER_LABEL]: 'converge', moduleChecksum: info?.checksum });
    expect(info?.owned).toBe(true);
  });

  it('deleting a module whose release is foreign runs no beforeDeleteHelm and keeps the release', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'b',
          chart: markerChart('b'),
          hooks: [hook(log, 'hooks/bd', { beforeDeleteHelm: 1, afterDeleteHelm: 1 })],
        },
      ],
      config: { bEnabled: false },
      releases: [{ name: 'b', revision: 1, status: 'deployed' }],
    });
    await t.start();
    // Enabled, the module takes the release over (as addon-operator's upgrade --install would) …
    await t.setConfig({});
    const taken = await t.releaseStore.status('b');
    expect(taken?.owned).toBe(true);
    // … and then it is converge's to remove. A release that stays foreign is not:
    t.releaseStore.seed({ name: 'b', revision: 9, status: 'deployed' });
    await t.setConfig({ bEnabled: false });
    expect(log.names).toEqual(['b/hooks/bd:afterDeleteHelm']);
    expect(t.events.filter((e) => e.type === 'HelmReleaseChecked').at(-1)).toMatchObject({
      module: 'b',
      exists: false,
      reason: 'foreign',
    });
    expect(t.events.some((e) => e.type === 'HelmReleaseUninstalled')).toBe(false);
    expect(t.releases().find((r) => r.name === 'b')?.revision).toBe(9);
  });
});

describe('HELM_IGNORE_RELEASE (ignoreRelease of the release executors)', () => {
  it('list never names the ignored release, whatever its marks', async () => {
    const store = new InMemoryReleaseStore({
      cluster: new InMemoryCluster(),
      namespace: 'default',
      charts: () => undefined,
      ignoreRelease: 'keep-me',
      releases: [
        { name: 'keep-me', revision: 1, status: 'deployed', labels: { [OWNER_LABEL]: 'converge' } },
        { name: 'other', revision: 1, status: 'deployed', checksum: 'x' },
      ],
    });
    expect(await store.list()).toEqual(['other']);
    expect((await store.status('keep-me'))?.owned).toBe(true);
  });
});
