import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { untilLogged } from '../support/events-file.js';

/** `converge run --cluster kube` against the test Kubernetes API server, with the bundled helm 3. */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const quickstart = join(root, 'examples', 'quickstart');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-kube-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs the real bin without blocking: the API server answers from this process. */
function converge(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: work, env: { ...process.env, KUBECONFIG: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `converge run <quickstart> --cluster kube --kubeconfig <file> --once [more…]`. */
const runQuickstart = (kubeconfig: string, ...more: string[]) =>
  converge([
    'run',
    join(quickstart, 'modules'),
    '--cluster',
    'kube',
    '--kubeconfig',
    kubeconfig,
    '--once',
    ...more,
  ]);

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

describe('converge run --cluster kube', () => {
  it('AO-44 converges the quickstart into a real API: releases through helm, config from the addon-operator ConfigMap', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'kubeconfig'));
    // The ConfigMap addon-operator reads, in the operator's namespace.
    const configMap = parse(readFileSync(join(quickstart, 'config.yaml'), 'utf8'));
    server.cluster.put({ ...configMap, metadata: { ...configMap.metadata, namespace: 'default' } });
    const events = join(work, 'kube.jsonl');
    const r = await converge([
      'run',
      join(quickstart, 'modules'),
      '--global-hooks',
      join(quickstart, 'global-hooks'),
      '--cluster',
      'kube',
      '--kubeconfig',
      kubeconfig,
      '--once',
      '--json',
      '--events',
      events,
      '--store',
      `sqlite:${join(work, 'kube.sqlite')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.find((l) => l.msg === 'converging')?.cluster).toBe(
      `Kubernetes API ${server.url} (context converge-test, namespace default)`,
    );
    expect(lines.at(-1)).toMatchObject({ code: 0, msg: 'converged: 2 modules ready' });
    const cluster = server.cluster;
    const deployment = cluster.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'default',
      name: 'echo-server',
    });
    // replicas: 2 comes from the ConfigMap's echoServer section.
    expect((deployment as unknown as { spec: { replicas: number } }).spec.replicas).toBe(2);
    const releases = cluster
      .listSync({ apiVersion: 'v1', kind: 'Secret', labelSelector: { matchLabels: { owner: 'helm' } } })
      .map((s) => s.metadata.name);
    expect(releases).toEqual(['sh.helm.release.v1.dashboard.v1', 'sh.helm.release.v1.echo-server.v1']);
    const log = jsonLines(readFileSync(events, 'utf8'));
    // The dashboard's kubernetes hook saw the echo-server Deployment through a real watch.
    const dashboard = log.find((e) => e.type === 'ValuesChanged' && e.scope === 'dashboard');
    expect(dashboard?.patch).toEqual([{ op: 'add', path: '/dashboard/echoDeployments', value: 1 }]);
  });

  it('names the kubeconfig, the context or the server when the target cannot be used', async () => {
    const missing = await runQuickstart(join(work, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(join(work, 'nope'));

    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'ctx-kubeconfig'));
    const context = await runQuickstart(kubeconfig, '--context', 'staging');
    expect(context.code).toBe(2);
    expect(context.stderr).toMatch(/staging/);
    expect(context.stderr).toMatch(/converge-test/);

    const url = server.url;
    await server.close();
    server = undefined;
    const down = await runQuickstart(kubeconfig);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach the Kubernetes API at ${url}`);

    server = await startKubeApiServer();
    const live = server.writeKubeconfig(join(work, 'live-kubeconfig'));
    const noNamespace = await runQuickstart(live, '--namespace', 'addons');
    expect(noNamespace.code).toBe(1);
    expect(noNamespace.stderr).toContain(`namespace addons does not exist at ${server.url}`);

    const flags = await converge(['run', join(quickstart, 'modules'), '--kubeconfig', kubeconfig, '--once']);
    expect(flags.code).toBe(2);
    expect(flags.stderr).toContain('--kubeconfig and --context need --cluster kube');
    const bogus = await converge(['run', join(quickstart, 'modules'), '--cluster', 'minikube', '--once']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('--cluster must be embedded or kube, got "minikube"');
  });

  it('hooks that call kubectl talk to the same cluster and --context as converge', async () => {
    server = await startKubeApiServer();
    // Two contexts; the file's current one points at nothing, --context picks the live one.
    const config = parse(server.kubeconfigYaml());
    config.clusters.push({ name: 'nowhere', cluster: { server: 'http://127.0.0.1:9' } });
    config.contexts.push({ name: 'elsewhere', context: { cluster: 'nowhere', user: 'converge-test' } });
    config['current-context'] = 'elsewhere';
    const kubeconfig = join(work, 'two-contexts');
    writeFileSync(kubeconfig, stringify(config));
    const modules = join(work, 'kubectl-modules');
    const hooks = join(modules, '010-hooker', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(modules, 'values.yaml'), 'hookerEnabled: true\n');
    writeFileSync(
      join(hooks, 'make.sh'),
      [
        '#!/usr/bin/env bash',
        'set -euo pipefail',
        'if [[ "$*" == "--config" ]]; then echo \'{"configVersion":"v1","beforeHelm":1}\'; exit 0; fi',
        'kubectl create configmap made-by-hook --from-literal=by=kubectl >/dev/null',
        '',
      ].join('\n'),
    );
    chmodSync(join(hooks, 'make.sh'), 0o755);
    const r = await converge([
      'run',
      modules,
      '--cluster',
      'kube',
      '--kubeconfig',
      kubeconfig,
      '--context',
      'converge-test',
      '--once',
      '--json',
      '--store',
      `sqlite:${join(work, 'hooker.sqlite')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const made = server.cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'made-by-hook',
    });
    expect(made?.data).toEqual({ by: 'kubectl' });
  });

  it('Ctrl-C (SIGINT) during a kube run: exit 130, watches closed, the log flushed', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'sigint-kubeconfig'));
    const events = join(work, 'sigint.jsonl');
    const child = spawn(
      bin,
      [
        'run',
        join(quickstart, 'modules'),
        '--cluster',
        'kube',
        '--kubeconfig',
        kubeconfig,
        '--json',
        '--events',
        events,
        '--store',
        `sqlite:${join(work, 'sigint.sqlite')}`,
      ],
      { cwd: work, env: { ...process.env, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    // Wait for the first converge to be in the log (an event, not a time).
    await untilLogged(events, 'ConvergeCompleted', child);
    expect(out).toContain('"hook":"hooks/watch-echo.sh"');
    const watchesBefore = server.requests.filter((r) => r.query.includes('watch=')).length;
    expect(watchesBefore).toBeGreaterThan(0);
    child.kill('SIGINT');
    // Open watch connections must not keep the process alive.
    expect(await exited).toBe(130);
    const log = jsonLines(readFileSync(events, 'utf8'));
    expect(log.some((e) => e.type === 'ConvergeCompleted')).toBe(true);
    const table = await converge(['replay', `sqlite:${join(work, 'sigint.sqlite')}`, '--json']);
    expect(JSON.parse(table.stdout).seq).toBe(log.length);
  });

  it('reads addon-operator settings from the environment: KUBE_CONFIG, KUBE_CONTEXT, ADDON_OPERATOR_CONFIG_MAP, ADDON_OPERATOR_NAMESPACE, HELM_*', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'env-kubeconfig'), { context: 'from-env' });
    server.cluster.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } });
    server.cluster.put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'my-operator-config', namespace: 'ops' },
      data: { echoServer: 'replicas: 3\n', dashboardEnabled: 'false' },
    });
    const env = {
      KUBE_CONFIG: kubeconfig,
      KUBE_CONTEXT: 'from-env',
      ADDON_OPERATOR_CONFIG_MAP: 'my-operator-config',
      ADDON_OPERATOR_NAMESPACE: 'ops',
    };
    const args = ['run', join(quickstart, 'modules'), '--cluster', 'kube', '--once', '--json'];
    const r = await converge([...args, '--store', `sqlite:${join(work, 'env.sqlite')}`], {
      ...env,
      HELM_HISTORY_MAX: '3',
    });
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLines(r.stdout).at(-1)).toMatchObject({ msg: 'converged: 1 modules ready' });
    const deployment = server.cluster.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'ops',
      name: 'echo-server',
    });
    expect((deployment as unknown as { spec: { replicas: number } }).spec.replicas).toBe(3);
    const bad = await converge(args, { ...env, HELM_TIMEOUT: 'soon' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('HELM_TIMEOUT: invalid duration "soon"');
  });
});
