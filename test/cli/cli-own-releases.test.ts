import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { extractedBinary } from '@converge/helm';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * `converge run --cluster kube --once` beside releases it did not install (docs/compatibility.md
 * "Only its own releases"), with the bundled helm 3 against the test API server.
 */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const modules = join(root, 'examples', 'quickstart', 'modules');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-own-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const helmBin = () => {
  const path = extractedBinary('helm3');
  if (!path) throw new Error('node_modules/.cache/converge/helm3 is missing: run `npm ci`');
  return path;
};

/** A chart whose one ConfigMap is named after the release. */
function writeChart(): string {
  const dir = join(work, 'chart');
  mkdirSync(join(dir, 'templates'), { recursive: true });
  writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: user-app\nversion: 0.1.0\n');
  writeFileSync(
    join(dir, 'templates', 'cm.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  owner: user\n',
  );
  return dir;
}

function converge(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: work, env: { ...process.env, KUBECONFIG: '', ...env } });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('converge run --cluster kube: only its own releases', () => {
  it('leaves a user’s helm releases alone, purges addon-operator’s, spares HELM_IGNORE_RELEASE', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'kubeconfig'));
    const chart = writeChart();
    const helm = async (...args: string[]) =>
      (
        await promisify(execFile)(
          helmBin(),
          [...args, '--namespace', 'default', '--kubeconfig', kubeconfig],
          {
            env: { PATH: process.env.PATH ?? '', HOME: work },
            encoding: 'utf8',
          },
        )
      ).stdout;
    // A user's own release, and one named like the disabled dashboard module: no marks.
    await helm('install', 'my-app', chart);
    await helm('install', 'dashboard', chart);
    // addon-operator installed this one (its moduleChecksum release label), for a module now gone.
    await helm('install', 'old-module', chart, '--labels', 'moduleChecksum=0123abcd');
    // converge's own mark, but named by HELM_IGNORE_RELEASE.
    await helm('install', 'spare', chart, '--labels', 'converge.io/owner=converge');
    const config = join(work, 'config.yaml');
    writeFileSync(config, 'dashboardEnabled: false\n');

    const r = await converge(
      [
        'run',
        modules,
        '--cluster',
        'kube',
        '--kubeconfig',
        kubeconfig,
        '--config',
        config,
        '--once',
        '--json',
      ],
      { HELM_IGNORE_RELEASE: 'spare' },
    );
    expect(r.code, r.stdout).toBe(0);

    const listed = JSON.parse(await helm('list', '--all', '--output', 'json')) as { name: string }[];
    expect(listed.map((l) => l.name).sort()).toEqual(['dashboard', 'echo-server', 'my-app', 'spare']);
    const settings = (release: string) =>
      server!.cluster.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: `${release}-settings`,
      });
    expect(settings('my-app')).toBeDefined();
    expect(settings('dashboard')).toBeDefined();
    expect(settings('spare')).toBeDefined();
    expect(settings('old-module')).toBeUndefined();
    // What converge installed carries its mark on the release (helm's storage Secret).
    const stored = server.cluster.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'default',
      name: 'sh.helm.release.v1.echo-server.v1',
    });
    expect(stored?.metadata.labels).toMatchObject({ 'converge.io/owner': 'converge' });
    const lines = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; release?: string });
    const leftAlone = lines.filter((l) => /left alone, not installed by converge/.test(l.msg));
    expect(leftAlone.map((l) => [l.release, l.level])).toEqual([
      ['dashboard', 30],
      ['my-app', 30],
    ]);
  });
});
