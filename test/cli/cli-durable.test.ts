import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventReader } from '@converge/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';

// README.md "Run the demo": the in-memory cluster and releases persist beside the log, so a
// second `converge run` on the same store continues where the first stopped.

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-durable-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function converge(args: string[]) {
  const run = spawnSync(bin, args, { cwd: work, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const runQuickstart = () =>
  converge([
    'run',
    join(quickstart, 'modules'),
    '--global-hooks',
    join(quickstart, 'global-hooks'),
    '--config',
    join(quickstart, 'config.yaml'),
    '--once',
    '--json',
  ]);

/** The embedded cluster's objects and the releases as the default store keeps them, read-only. */
function storedWorld() {
  const store = openSqliteEventReader(join(work, '.converge', 'events.sqlite'));
  try {
    const records = store.records!;
    const read = (prefix: string) =>
      Object.fromEntries(records.keys(prefix).map((k) => [k.slice(prefix.length), records.get(k)]));
    return {
      objects: read('cluster/objects/') as Record<
        string,
        { metadata: { uid: string; resourceVersion: string } }
      >,
      releases: read('helm/releases/') as Record<string, { revision: number; status: string }>,
    };
  } finally {
    void store.close();
  }
}

/** The events of the default store (`.converge/events.sqlite` in the working directory). */
function storedEvents(): Record<string, unknown>[] {
  const r = converge(['events', 'sqlite:.converge/events.sqlite', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

describe('converge run on the embedded default, twice in the same directory', () => {
  it('the second run finds the releases and objects of the first: every chart is skipped as unchanged, revisions stay 1', () => {
    const first = runQuickstart();
    expect(first.code, first.stderr).toBe(0);
    const afterFirst = storedEvents();
    const installed = afterFirst.filter((e) => e.type === 'HelmReleaseUpgraded');
    expect(installed.map((e) => [e.module, e.revision]).sort()).toEqual([
      ['dashboard', 1],
      ['echo-server', 1],
    ]);

    const world = storedWorld();
    expect(Object.keys(world.objects).length).toBeGreaterThan(0);
    expect(world.releases).toMatchObject({
      dashboard: { revision: 1, status: 'deployed' },
      'echo-server': { revision: 1, status: 'deployed' },
    });

    const second = runQuickstart();
    expect(second.code, second.stderr).toBe(0);
    const secondRun = storedEvents().filter((e) => (e.seq as number) > afterFirst.length);
    expect(secondRun[0]).toMatchObject({ seq: afterFirst.length + 1, type: 'EngineStarted' });
    expect(secondRun.filter((e) => e.type === 'HelmReleaseUpgraded')).toEqual([]);
    // "unchanged" also means every object the chart renders is in the cluster (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall)).
    expect(
      secondRun
        .filter((e) => e.type === 'HelmUpgradeSkipped')
        .map((e) => [e.module, e.reason])
        .sort(),
    ).toEqual([
      ['dashboard', 'unchanged'],
      ['echo-server', 'unchanged'],
    ]);
    // The same objects (uids and resourceVersions) and releases are in the store after the second run.
    expect(storedWorld()).toEqual(world);
  });
});
