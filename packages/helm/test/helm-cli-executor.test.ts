import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import { isConvergeError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import {
  HelmCliReleaseExecutor,
  type HelmCliReleaseExecutorOptions,
  HelmCommandError,
  labelsFlag,
  manifestChecksum,
  parseManifestObjects,
  RenderCache,
  STDERR_CAP,
} from '../src/index.js';
import { FakeHelm, historyJson, metadataJson, NOT_FOUND, releaseJson } from './fake-helm-cli.js';
import { FIXTURES, helmBinaries, helmTemplate, tempDir, writeScript, writeTree } from './helpers.js';

const NS = 'converge';
const MAINT = 'maintenance.deckhouse.io/no-resource-reconciliation';
const basic = join(FIXTURES, 'basic');
const noChartYaml = join(FIXTURES, 'no-chart-yaml');

function setup(fake: FakeHelm, extra: Partial<HelmCliReleaseExecutorOptions> = {}) {
  return new HelmCliReleaseExecutor({
    helm: fake.bin,
    env: fake.env(),
    namespace: NS,
    charts: (module) => ({ basic, 'no-chart-yaml': noChartYaml })[module],
    ...extra,
  });
}

const values = { global: { clusterName: 'c1' }, basic: { replicas: 2, note: 'yes' } };

function valueAfter(argv: string[], flag: string): string | undefined {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
}

describe('HelmCliReleaseExecutor: install and upgrade (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall))', () => {
  it('installs with upgrade --install: argv array, labels with moduleChecksum and the owner label, private 0600 values file removed after', async () => {
    const fake = new FakeHelm()
      .answer('history', { stderr: NOT_FOUND, exit: 1 })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    const helm = setup(fake);
    const info = await helm.upgrade('basic', values, { checksum: 'c0ffee', labels: { [MAINT]: 'false' } });
    expect(info).toEqual({
      name: 'basic',
      namespace: NS,
      revision: 1,
      status: 'deployed',
      checksum: 'c0ffee',
      labels: { [MAINT]: 'false', moduleChecksum: 'c0ffee', 'converge.io/owner': 'converge' },
      owned: true,
    });
    const [history, upgrade] = fake.commands();
    expect(history.argv).toEqual(['history', 'basic', '--output', 'json', '--namespace', NS]);
    const file = valueAfter(upgrade.argv, '--values')!;
    expect(upgrade.argv).toEqual([
      'upgrade',
      '--install',
      'basic',
      basic,
      '--values',
      file,
      '--reset-values',
      '--labels',
      `converge.io/owner=converge,${MAINT}=false,moduleChecksum=c0ffee`,
      '--skip-crds',
      '--history-max',
      '10',
      '--timeout',
      '1200000ms',
      '--output',
      'json',
      '--take-ownership',
      '--namespace',
      NS,
    ]);
    expect(file.endsWith('/basic.module-values.yaml')).toBe(true);
    expect(JSON.parse(upgrade.values!)).toEqual(values);
    expect(upgrade.valuesMode).toBe('600');
    expect(upgrade.valuesDirMode).toBe('700');
    expect(existsSync(file)).toBe(false);
    expect(existsSync(dirname(file))).toBe(false);
  });

  it('runs helm with exactly the configured environment, kubeconfig, context, timeout and history max', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['deployed']) })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 2) });
    process.env.CONVERGE_TEST_LEAK = 'leaked';
    try {
      const helm = setup(fake, {
        env: fake.env({ CUSTOM: 'x', PATH: '/usr/bin:/bin' }),
        kubeconfig: '/etc/kube/config',
        kubeContext: 'prod',
        timeoutMs: 90_000,
        historyMax: 3,
      });
      const info = await helm.upgrade('basic', values, { checksum: 'abc', labels: {} });
      expect(info.revision).toBe(2);
    } finally {
      delete process.env.CONVERGE_TEST_LEAK;
    }
    const upgrade = fake.commands().find((c) => c.key === 'upgrade')!;
    expect(upgrade.env.CUSTOM).toBe('x');
    expect(upgrade.env.CONVERGE_TEST_LEAK).toBeUndefined();
    expect(valueAfter(upgrade.argv, '--timeout')).toBe('90000ms');
    expect(valueAfter(upgrade.argv, '--history-max')).toBe('3');
    expect(valueAfter(upgrade.argv, '--kubeconfig')).toBe('/etc/kube/config');
    expect(valueAfter(upgrade.argv, '--kube-context')).toBe('prod');
    expect(valueAfter(upgrade.argv, '--labels')).toBe('converge.io/owner=converge,moduleChecksum=abc');
  });

  it('installs a module without Chart.yaml from a synthesised chart named after the module (addon-operator pkg/module_manager/models/modules/helm.go (release name))', async () => {
    const fake = new FakeHelm()
      .answer('history', { stderr: NOT_FOUND, exit: 1 })
      .answer('upgrade', { stdout: releaseJson('no-chart-yaml', NS, 1) });
    await setup(fake).upgrade('no-chart-yaml', {}, { checksum: 'abc', labels: {} });
    const upgrade = fake.commands().find((c) => c.key === 'upgrade')!;
    const chart = upgrade.argv[3];
    expect(chart).not.toBe(noChartYaml);
    expect(dirname(chart)).toBe(dirname(valueAfter(upgrade.argv, '--values')!));
    expect(existsSync(chart)).toBe(false);
  });

  it('an upgrade failure rejects with helm upgrade failed and helm stderr; the values file is removed anyway', async () => {
    const stderr =
      'Error: UPGRADE FAILED: cannot patch "basic" with kind ConfigMap: admission webhook denied\n';
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['deployed']) })
      .answer('upgrade', { stderr, exit: 1 });
    const error = await setup(fake)
      .upgrade('basic', values, { checksum: 'abc', labels: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmCommandError);
    expect(isConvergeError(error) && error.code).toBe('HELM_COMMAND');
    expect((error as HelmCommandError).message).toBe(`helm upgrade failed: ${stderr.trim()}`);
    expect((error as HelmCommandError).exitCode).toBe(1);
    const file = valueAfter(fake.commands()[1].argv, '--values')!;
    expect(existsSync(file)).toBe(false);
  });

  it('caps a long stderr, keeping its head and its tail', async () => {
    const long = `Error: first line\n${'x'.repeat(20_000)}\nlast line: the real cause`;
    const fake = new FakeHelm().answer('uninstall', { stderr: long, exit: 1 });
    const error = (await setup(fake)
      .uninstall('basic')
      .catch((e: unknown) => e)) as HelmCommandError;
    expect(error.stderr.length).toBeLessThan(STDERR_CAP + 100);
    expect(error.message.startsWith('helm uninstall failed: Error: first line')).toBe(true);
    expect(error.message.endsWith('last line: the real cause')).toBe(true);
  });

  it('a helm that exits non-zero with no stderr reports its exit status', async () => {
    const fake = new FakeHelm().answer('uninstall', { exit: 7 });
    await expect(setup(fake).uninstall('basic')).rejects.toThrow('helm uninstall failed: exit status 7');
  });

  it('Helm 4: the same upgrade argv (labels, skip-crds, take-ownership)', async () => {
    const fake = new FakeHelm('v4.1.4')
      .answer('history', { stderr: NOT_FOUND, exit: 1 })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    await setup(fake).upgrade('basic', values, { checksum: 'abc', labels: {} });
    const upgrade = fake.commands().find((c) => c.key === 'upgrade')!;
    expect(upgrade.argv).toContain('--take-ownership');
    expect(upgrade.argv).toContain('--skip-crds');
    expect(valueAfter(upgrade.argv, '--labels')).toBe('converge.io/owner=converge,moduleChecksum=abc');
  });

  it('Helm 3.13–3.16 get no --take-ownership; Helm older than 3.13 cannot store the checksum label', async () => {
    const old = new FakeHelm('v3.15.4')
      .answer('history', { stderr: NOT_FOUND, exit: 1 })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    await setup(old).upgrade('basic', values, { checksum: 'abc', labels: {} });
    expect(old.commands().find((c) => c.key === 'upgrade')!.argv).not.toContain('--take-ownership');

    const ancient = new FakeHelm('v3.12.3');
    await expect(setup(ancient).upgrade('basic', values, { checksum: 'abc', labels: {} })).rejects.toThrow(
      'helm upgrade failed: v3.12.3 cannot set release labels: need helm >= 3.13',
    );
    expect(ancient.commands()).toEqual([]);
  });

  it('quotes a label value that contains a comma the way helm --labels parses it', () => {
    expect(labelsFlag({ b: '2', a: 'x,y' })).toBe('"a=x,y",b=2');
  });
});

describe('HelmCliReleaseExecutor: pending releases (addon-operator pkg/module_manager/models/modules/helm.go (RunHelmInstall))', () => {
  it('rolls a pending-upgrade release back to the last settled revision, then upgrades', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['superseded', 'deployed', 'pending-upgrade']) })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 5) });
    await setup(fake, { timeoutMs: 60_000 }).upgrade('basic', values, { checksum: 'abc', labels: {} });
    const [history, rollback, upgrade] = fake.commands();
    expect(history.key).toBe('history');
    expect(rollback.argv).toEqual([
      'rollback',
      'basic',
      '2',
      '--history-max',
      '10',
      '--timeout',
      '60000ms',
      '--namespace',
      NS,
    ]);
    expect(upgrade.key).toBe('upgrade');
  });

  it('uninstalls a release whose only revision is pending-install, then installs', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['pending-install']) })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    await setup(fake).upgrade('basic', values, { checksum: 'abc', labels: {} });
    expect(fake.commands().map((c) => c.argv.slice(0, 2))).toEqual([
      ['history', 'basic'],
      ['uninstall', 'basic'],
      ['upgrade', '--install'],
    ]);
  });

  it('uninstalls when history max is 1 or no settled revision exists', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['failed', 'pending-rollback']) })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    await setup(fake, { historyMax: 1 }).upgrade('basic', values, { checksum: 'abc', labels: {} });
    expect(fake.commands()[1].key).toBe('uninstall');

    const none = new FakeHelm()
      .answer('history', { stdout: historyJson(['pending-install', 'pending-upgrade']) })
      .answer('upgrade', { stdout: releaseJson('basic', NS, 1) });
    await setup(none).upgrade('basic', values, { checksum: 'abc', labels: {} });
    expect(none.commands()[1].key).toBe('uninstall');
  });

  it('a failed rollback fails the upgrade with helm rollback failed', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['deployed', 'pending-upgrade']) })
      .answer('rollback', { stderr: 'Error: another operation is in progress\n', exit: 1 });
    await expect(setup(fake).upgrade('basic', values, { checksum: 'abc', labels: {} })).rejects.toThrow(
      'helm rollback failed: Error: another operation is in progress',
    );
    expect(fake.commands().map((c) => c.key)).toEqual(['history', 'rollback']);
  });
});

describe('HelmCliReleaseExecutor: status, list, uninstall, timeout', () => {
  it('status reads get metadata: revision, status and the moduleChecksum label', async () => {
    const labels = { moduleChecksum: 'abc123', [MAINT]: 'false' };
    const fake = new FakeHelm().answer('get-metadata', {
      stdout: metadataJson({ name: 'basic', namespace: NS, revision: 4, status: 'deployed', labels }),
    });
    expect(await setup(fake).status('basic')).toEqual({
      name: 'basic',
      namespace: NS,
      revision: 4,
      status: 'deployed',
      checksum: 'abc123',
      labels,
      owned: true,
    });
    expect(fake.commands()[0].argv).toEqual([
      'get',
      'metadata',
      'basic',
      '--output',
      'json',
      '--namespace',
      NS,
    ]);
  });

  it('status of a missing release is undefined; other failures reject with helm stderr', async () => {
    const fake = new FakeHelm().answer('get-metadata', { stderr: NOT_FOUND, exit: 1 });
    expect(await setup(fake).status('basic')).toBeUndefined();

    const down = new FakeHelm().answer('get-metadata', {
      stderr: 'Error: Kubernetes cluster unreachable: connection refused\n',
      exit: 1,
    });
    await expect(setup(down).status('basic')).rejects.toThrow(
      'helm get metadata failed: Error: Kubernetes cluster unreachable: connection refused',
    );
  });

  it('status falls back to the legacy _addonOperatorModuleChecksum value when the label is missing', async () => {
    const fake = new FakeHelm()
      .answer('get-metadata', {
        stdout: metadataJson({ name: 'basic', namespace: NS, revision: 2, status: 'failed' }),
      })
      .answer('get-values', { stdout: '{"_addonOperatorModuleChecksum":"legacy1","basic":{}}\n' });
    const info = await setup(fake).status('basic');
    expect(info?.checksum).toBe('legacy1');
    expect(info?.owned).toBe(true);
    expect(info?.status).toBe('failed');
    expect(fake.commands()[1].argv).toEqual([
      'get',
      'values',
      'basic',
      '--output',
      'json',
      '--namespace',
      NS,
    ]);

    const neither = new FakeHelm()
      .answer('get-metadata', {
        stdout: metadataJson({ name: 'basic', namespace: NS, revision: 1, status: 'deployed' }),
      })
      .answer('get-values', { stdout: 'null\n' });
    expect((await setup(neither).status('basic'))?.checksum).toBeUndefined();
  });

  it('status says owned for the owner label alone, and not for a release without any mark (foreign)', async () => {
    const meta = (labels: Record<string, string>) =>
      metadataJson({ name: 'app', namespace: NS, revision: 1, status: 'deployed', labels });
    const ours = new FakeHelm().answer('get-metadata', { stdout: meta({ 'converge.io/owner': 'converge' }) });
    ours.answer('get-values', { stdout: 'null\n' });
    expect((await setup(ours).status('app'))?.owned).toBe(true);
    const foreign = new FakeHelm()
      .answer('get-metadata', { stdout: meta({ team: 'web' }) })
      .answer('get-values', { stdout: '{"replicas":2}\n' });
    expect(await setup(foreign).status('app')).toMatchObject({ name: 'app', owned: false });
  });

  it('list leaves out ignoreRelease (HELM_IGNORE_RELEASE)', async () => {
    const rows = ['a', 'keep', 'b'].map((name) => ({
      name,
      namespace: NS,
      revision: '1',
      status: 'deployed',
    }));
    const fake = new FakeHelm().answer('list', { stdout: `${JSON.stringify(rows)}\n` });
    expect(await setup(fake, { ignoreRelease: 'keep' }).list()).toEqual(['a', 'b']);
  });

  it('list asks Helm 3 for releases in every state (--all) and returns sorted, non-empty, unique names', async () => {
    const rows = ['b', 'a', '', 'B', 'a'].map((name) => ({
      name,
      namespace: NS,
      revision: '1',
      status: 'failed',
    }));
    const fake = new FakeHelm().answer('list', { stdout: `${JSON.stringify(rows)}\n` });
    expect(await setup(fake).list()).toEqual(['B', 'a', 'b']);
    expect(fake.commands()[0].argv).toEqual([
      'list',
      '--all',
      '--output',
      'json',
      '--max',
      '1000000',
      '--namespace',
      NS,
    ]);
  });

  it('list on Helm 4 has no --all (it lists every state by default); empty output is no releases', async () => {
    const fake = new FakeHelm('v4.1.4').answer('list', { stdout: '' });
    expect(await setup(fake).list()).toEqual([]);
    expect(fake.commands()[0].argv).not.toContain('--all');
  });

  it('uninstall (the purge of addon-operator pkg/task/tasks/module-purge/task.go calls it too) and its failure', async () => {
    const fake = new FakeHelm();
    await setup(fake, { timeoutMs: 5000 }).uninstall('orphan');
    expect(fake.commands()[0].argv).toEqual([
      'uninstall',
      'orphan',
      '--timeout',
      '5000ms',
      '--namespace',
      NS,
    ]);

    const missing = new FakeHelm().answer('uninstall', {
      stderr: 'Error: uninstall: Release not loaded: orphan: release: not found\n',
      exit: 1,
    });
    await expect(setup(missing).uninstall('orphan')).rejects.toThrow(
      'helm uninstall failed: Error: uninstall: Release not loaded: orphan: release: not found',
    );
  });

  it('a helm process still running after timeout + grace is killed and the call rejects with the timeout', async () => {
    const fake = new FakeHelm()
      .answer('history', { stdout: historyJson(['deployed']) })
      .answer('upgrade', { sleepSeconds: 30, stderr: 'never printed' });
    // The timeout bounds every call: `version` and `history` (no grace) must finish within it even
    // on a busy machine, so it is 1 s, not a few ms; only the sleeping upgrade runs into it (+ grace).
    const error = (await setup(fake, { timeoutMs: 1_000, killGraceMs: 100 })
      .upgrade('basic', values, { checksum: 'abc', labels: {} })
      .catch((e: unknown) => e)) as HelmCommandError;
    expect(error).toBeInstanceOf(HelmCommandError);
    expect(error.timedOut).toBe(true);
    expect(error.message).toBe('helm upgrade failed: timeout after 1100 ms');
    expect(fake.commands().map((c) => c.key)).toEqual(['history', 'upgrade']);
    expect(valueAfter(fake.commands()[1].argv, '--timeout')).toBe('1000ms');
  });

  it('a missing helm binary is a HelmNotFoundError naming where it looked', async () => {
    const helm = new HelmCliReleaseExecutor({
      helm: '/nonexistent/helm',
      env: { PATH: '' },
      namespace: NS,
      charts: () => basic,
      searchFrom: '/',
    });
    await expect(helm.status('basic')).rejects.toThrow('/nonexistent/helm');
  });

  it('get manifest and get values of a release; undefined when it does not exist', async () => {
    const fake = new FakeHelm()
      .answer('get-manifest', { stdout: '---\nkind: ConfigMap\n' }, 1)
      .answer('get-manifest', { stderr: NOT_FOUND, exit: 1 }, 2)
      .answer('get-values', { stdout: '{"a":1}\n' });
    const helm = setup(fake);
    expect(await helm.manifest('basic')).toBe('---\nkind: ConfigMap\n');
    expect(await helm.manifest('basic')).toBeUndefined();
    expect(await helm.values('basic')).toEqual({ a: 1 });
  });
});

describe('HelmCliReleaseExecutor: absent resources (addon-operator pkg/helm_resources_manager/)', () => {
  const manifest = [
    '---\n# Source: basic/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n',
    '---\n# Source: basic/templates/b.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  namespace: other\n',
    '---\n# Source: basic/templates/c.yaml\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: c\n',
  ].join('');

  it('lists the rendered objects missing from the cluster, in the release namespace by default', async () => {
    const cluster = new InMemoryCluster();
    const fake = new FakeHelm();
    const helm = setup(fake, { cluster });
    const rendered = {
      manifest,
      checksum: manifestChecksum(manifest),
      objects: parseManifestObjects(manifest),
    };
    expect(await helm.absentResources('basic', rendered)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: NS, name: 'a' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'b' },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'c' },
    ]);
    cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: NS } });
    cluster.put({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: NS } });
    cluster.put({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'c' } });
    expect(await helm.absentResources('basic', rendered)).toEqual([
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'other', name: 'b' },
    ]);
    expect(fake.commands()).toEqual([]);
  });

  it('reads the release manifest (get manifest) when given an empty render; reports nothing without a cluster', async () => {
    const cluster = new InMemoryCluster();
    const fake = new FakeHelm().answer('get-manifest', { stdout: manifest });
    const empty = { manifest: '', checksum: manifestChecksum(''), objects: [] };
    expect(await setup(fake, { cluster }).absentResources('basic', empty)).toHaveLength(3);
    expect(fake.commands()[0].argv.slice(0, 3)).toEqual(['get', 'manifest', 'basic']);
    expect(await setup(new FakeHelm()).absentResources('basic', empty)).toEqual([]);
  });
});

describe('HelmCliReleaseExecutor: render through the cache', () => {
  const chart = (dir: string, extra = '') =>
    writeTree(dir, {
      'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'templates/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  r: {{ .Values.web.r | quote }}\n${extra}`,
    });
  const out =
    '---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n';

  it('runs helm template once for the same chart and values; again when values or chart files change', async () => {
    const dir = chart(tempDir());
    const fake = new FakeHelm().answer('template', { stdout: out });
    const helm = setup(fake, { charts: () => dir });
    const first = await helm.render('web', { web: { r: 1 } });
    expect(first.checksum).toBe(manifestChecksum(out));
    await helm.render('web', { web: { r: 1 } });
    expect(fake.commands().filter((c) => c.key === 'template')).toHaveLength(1);
    await helm.render('web', { web: { r: 2 } });
    expect(fake.commands().filter((c) => c.key === 'template')).toHaveLength(2);
    writeTree(dir, { 'templates/other.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n' });
    await helm.render('web', { web: { r: 2 } });
    expect(fake.commands().filter((c) => c.key === 'template')).toHaveLength(3);
    const template = fake.commands().find((c) => c.key === 'template')!;
    expect(template.argv.slice(0, 4)).toEqual(['template', 'web', dir, '--namespace']);
    expect(JSON.parse(template.values!)).toEqual({ web: { r: 1 } });
  });

  it('renders a chart that calls now or lookup every time; renderCache: false never caches', async () => {
    const dynamic = chart(tempDir(), '  at: {{ now | date "2006" }}\n');
    const fake = new FakeHelm().answer('template', { stdout: out });
    const helm = setup(fake, { charts: () => dynamic });
    await helm.render('web', { web: { r: 1 } });
    await helm.render('web', { web: { r: 1 } });
    expect(fake.commands().filter((c) => c.key === 'template')).toHaveLength(2);

    const plain = chart(tempDir());
    const uncached = new FakeHelm().answer('template', { stdout: out });
    const noCache = setup(uncached, { charts: () => plain, renderCache: false });
    await noCache.render('web', { web: { r: 1 } });
    await noCache.render('web', { web: { r: 1 } });
    expect(uncached.commands().filter((c) => c.key === 'template')).toHaveLength(2);
  });
});

describe('HelmCliReleaseExecutor: render with the real helm (smoke)', () => {
  const templated = join(FIXTURES, 'templated');
  const chartValues = {
    global: { clusterName: 'c1' },
    templated: { name: 'from-values', replicas: 3, extra: 'yes' },
  };

  for (const major of [3, 4] as const) {
    it(`helm ${major}: render is byte-identical to helm template, and cached the second time`, async () => {
      const bin = helmBinaries()[major];
      const dir = tempDir();
      const valuesFile = join(dir, 'values.json');
      writeFileSync(valuesFile, JSON.stringify(chartValues));
      const expected = helmTemplate(bin, templated, 'templated', NS, valuesFile);
      const cache = new RenderCache();
      const helm = new HelmCliReleaseExecutor({
        helm: bin,
        namespace: NS,
        charts: () => templated,
        renderCache: cache,
      });
      expect((await helm.version()).major).toBe(major);
      const rendered = await helm.render('templated', chartValues);
      expect(rendered.manifest).toBe(expected);
      expect(rendered.checksum).toBe(manifestChecksum(expected));
      expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'Secret/extra',
        'ConfigMap/from-values',
      ]);
      const again = await helm.render('templated', chartValues);
      expect(again).toEqual(rendered);
      expect(cache.stats).toEqual({ hits: 1, misses: 1, bypassed: 0 });
    });
  }
});

describe('HelmCliReleaseExecutor: status from helm storage objects (no helm process)', () => {
  const storage = (name: string, version: number, status: string, labels: Record<string, string> = {}) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${name}.v${version}`,
      namespace: NS,
      labels: { ...labels, name, owner: 'helm', status, version: String(version), modifiedAt: '1767225600' },
    },
    data: { release: 'H4sI' },
  });

  it('reads the newest revision of the release Secrets: status and the release labels (moduleChecksum)', async () => {
    const cluster = new InMemoryCluster();
    cluster.put(storage('basic', 1, 'superseded', { moduleChecksum: 'old' }));
    cluster.put(storage('basic', 2, 'deployed', { moduleChecksum: 'new', [MAINT]: 'false' }));
    cluster.put(storage('basic-other', 7, 'deployed', { moduleChecksum: 'x' }));
    cluster.put({ ...storage('basic', 9, 'deployed'), type: 'Opaque' });
    const fake = new FakeHelm();
    const helm = setup(fake, { cluster, statusSource: 'secrets' });
    expect(await helm.status('basic')).toEqual({
      name: 'basic',
      namespace: NS,
      revision: 2,
      status: 'deployed',
      checksum: 'new',
      labels: { moduleChecksum: 'new', [MAINT]: 'false' },
      owned: true,
    });
    expect(await helm.status('absent')).toBeUndefined();
    expect(fake.commands()).toEqual([]);
  });

  it('reads ConfigMaps for the configmaps driver; needs the cluster option', async () => {
    const cluster = new InMemoryCluster();
    const {
      type: _type,
      data: _data,
      ...configMap
    } = storage('basic', 3, 'pending-upgrade', { moduleChecksum: 'c' });
    cluster.put({ ...configMap, kind: 'ConfigMap' });
    const helm = setup(new FakeHelm(), { cluster, statusSource: 'configmaps' });
    expect(await helm.status('basic')).toMatchObject({
      revision: 3,
      status: 'pending-upgrade',
      checksum: 'c',
    });
    expect(() => setup(new FakeHelm(), { statusSource: 'secrets' })).toThrow(
      'statusSource secrets needs the cluster option',
    );
  });
});

describe('HelmCliReleaseExecutor: real helm 3 and 4 accept every command it builds', () => {
  /** A kubeconfig whose API server refuses connections: helm parses its flags, then fails to connect. */
  function unreachableKubeconfig(dir: string): string {
    return join(
      writeTree(dir, {
        kubeconfig: [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
          'contexts: [{name: ctx, context: {cluster: c, user: u}}]',
          'current-context: ctx',
          'users: [{name: u, user: {token: t}}]',
          '',
        ].join('\n'),
      }),
      'kubeconfig',
    );
  }

  for (const major of [3, 4] as const) {
    it(`helm ${major}: status, list, upgrade, uninstall, get values/manifest fail only on the unreachable cluster`, async () => {
      const home = tempDir();
      const helm = new HelmCliReleaseExecutor({
        helm: helmBinaries()[major],
        env: { PATH: '/usr/bin:/bin', HOME: home },
        namespace: NS,
        charts: () => basic,
        kubeconfig: unreachableKubeconfig(home),
        kubeContext: 'ctx',
        timeoutMs: 10_000,
      });
      const calls: [string, () => Promise<unknown>][] = [
        ['get metadata', () => helm.status('basic')],
        ['list', () => helm.list()],
        ['history', () => helm.upgrade('basic', values, { checksum: 'abc', labels: { [MAINT]: 'false' } })],
        ['uninstall', () => helm.uninstall('basic')],
        ['get values', () => helm.values('basic')],
        ['get manifest', () => helm.manifest('basic')],
      ];
      for (const [command, call] of calls) {
        const error = (await call().catch((e: unknown) => e)) as Error;
        expect(error.message, command).toMatch(
          new RegExp(
            `^helm ${command} failed: Error: [Kk]ubernetes cluster unreachable: .*connection refused`,
          ),
        );
      }
    });

    it(`helm ${major}: the upgrade --install and rollback argv reach the cluster step`, async () => {
      const home = tempDir();
      // Answers `history` itself (a pending release the first time, none the second) and hands
      // every other command to the real helm.
      const pending = historyJson(['deployed', 'pending-upgrade']).trim();
      const wrapper = writeScript(
        join(home, 'helm'),
        [
          'if [ "$1" = history ]; then',
          `  if [ -e "${home}/seen" ]; then echo 'Error: release: not found' >&2; exit 1; fi`,
          `  : > "${home}/seen"`,
          `  printf '%s\\n' '${pending}'`,
          '  exit 0',
          'fi',
          `exec "${helmBinaries()[major]}" "$@"`,
        ].join('\n'),
      );
      const helm = new HelmCliReleaseExecutor({
        helm: wrapper,
        env: { PATH: '/usr/bin:/bin', HOME: home },
        namespace: NS,
        charts: () => basic,
        kubeconfig: unreachableKubeconfig(home),
        timeoutMs: 10_000,
      });
      const upgrade = () => helm.upgrade('basic', values, { checksum: 'abc', labels: { [MAINT]: 'false' } });
      await expect(upgrade()).rejects.toThrow(
        /^helm rollback failed: Error: [Kk]ubernetes cluster unreachable/,
      );
      await expect(upgrade()).rejects.toThrow(
        /^helm upgrade failed: Error: [Kk]ubernetes cluster unreachable/,
      );
    });
  }
});
