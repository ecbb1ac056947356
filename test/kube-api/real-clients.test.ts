import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extractedBinary, HelmCliReleaseExecutor } from '@converge/helm';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** kubectl and helm (both majors) against the test API server: proof that it is API-compatible enough. */

const bin = (name: Parameters<typeof extractedBinary>[0]) => {
  const path = extractedBinary(name);
  if (!path) throw new Error(`node_modules/.cache/converge/${name} is missing: run \`npm ci\``);
  return path;
};

let server: KubeApiServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'converge-kube-api-'));
  dirs.push(dir);
  server = await startKubeApiServer();
  const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  const env = { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig };
  return { dir, kubeconfig, env, server };
}

const CHART = {
  'Chart.yaml': 'apiVersion: v2\nname: demo\nversion: 0.1.0\n',
  'templates/objects.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: demo-settings',
    'data:',
    '  color: {{ .Values.demo.color | quote }}',
    '---',
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: demo',
    'spec:',
    '  selector: {matchLabels: {app: demo}}',
    '  template:',
    '    metadata: {labels: {app: demo}}',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: "demo:{{ .Values.demo.color }}"',
    '',
  ].join('\n'),
};

function writeChart(dir: string): string {
  const chart = join(dir, 'chart');
  for (const [path, text] of Object.entries(CHART)) {
    mkdirSync(join(chart, path, '..'), { recursive: true });
    writeFileSync(join(chart, path), text);
  }
  return chart;
}

describe('real clients against the test API server', () => {
  for (const version of ['kubectl-v32', 'kubectl-v33'] as const) {
    it(`${version} applies, patches, lists by label and deletes`, async () => {
      const { dir, env } = await setup();
      // Asynchronous: the server answers from this very process.
      const kubectl = async (...args: string[]) =>
        (await promisify(execFile)(bin(version), args, { env, encoding: 'utf8' })).stdout;
      writeFileSync(
        join(dir, 'cm.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, labels: {tier: web}}\ndata: {k: v1}\n',
      );
      expect(await kubectl('apply', '-f', join(dir, 'cm.yaml'))).toContain('configmap/app created');
      await kubectl('patch', 'configmap', 'app', '--type=merge', '-p', '{"data":{"k":"v2"}}');
      expect(
        server!.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'app' })?.data,
      ).toEqual({
        k: 'v2',
      });
      expect(await kubectl('create', 'namespace', 'team-a')).toContain('namespace/team-a created');
      expect((await kubectl('get', 'configmaps', '-l', 'tier=web', '-o', 'name')).trim()).toBe(
        'configmap/app',
      );
      expect(await kubectl('delete', '-f', join(dir, 'cm.yaml'))).toContain('deleted');
      expect(
        server!.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'app' }),
      ).toBe(undefined);
    });
  }

  for (const major of [3, 4] as const) {
    it(`AO-50 helm ${major} through the CLI executor installs, upgrades on a value change and uninstalls a release`, async () => {
      const { dir, kubeconfig, env } = await setup();
      const helm = new HelmCliReleaseExecutor({
        helm: bin(major === 3 ? 'helm3' : 'helm4'),
        env,
        kubeconfig,
        namespace: 'default',
        charts: () => writeChart(dir),
        // Helm 3.17 prints no release labels; the executor reads them from helm's storage Secret.
        cluster: server!.cluster,
      });
      const cluster = server!.cluster;
      const settings = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'demo-settings' };
      expect(await helm.status('demo')).toBe(undefined);
      const first = await helm.upgrade('demo', { demo: { color: 'red' } }, { checksum: 'c1', labels: {} });
      expect(first).toMatchObject({ revision: 1, status: 'deployed', checksum: 'c1' });
      expect(cluster.get(settings)?.data).toEqual({ color: 'red' });
      expect(await helm.list()).toContain('demo');

      const second = await helm.upgrade('demo', { demo: { color: 'blue' } }, { checksum: 'c2', labels: {} });
      expect(second).toMatchObject({ revision: 2, status: 'deployed', checksum: 'c2' });
      expect(cluster.get(settings)?.data).toEqual({ color: 'blue' });
      const deployment = cluster.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'default',
        name: 'demo',
      });
      expect((deployment as any).spec.template.spec.containers).toEqual([
        { name: 'app', image: 'demo:blue' },
      ]);
      expect(await helm.status('demo')).toMatchObject({ revision: 2, checksum: 'c2' });
      // Helm's own release storage lives in the served cluster.
      const secrets = cluster.listSync({
        apiVersion: 'v1',
        kind: 'Secret',
        labelSelector: { matchLabels: { owner: 'helm' } },
      });
      expect(secrets.map((s) => s.metadata.name)).toEqual([
        'sh.helm.release.v1.demo.v1',
        'sh.helm.release.v1.demo.v2',
      ]);

      await helm.uninstall('demo');
      expect(cluster.get(settings)).toBe(undefined);
      expect(await helm.status('demo')).toBe(undefined);
    });
  }
});
