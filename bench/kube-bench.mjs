// Kubernetes API benchmarks (issue 5, --cluster kube): what reading a cluster through KubeCluster
// costs over the bare HTTP list it makes, and how much a converge through a Kubernetes API and the
// helm CLI costs against the embedded default. The API is the test API server, in this process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { KubeCluster, loadKubeConfig } from '@converge/kube';
import { startKubeApiServer } from '@converge/testing';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..');
const N = 1000;

async function best(times, fn) {
  let min = Infinity;
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

/** KubeCluster.list of N labelled ConfigMaps vs a bare fetch + JSON.parse of the same list. */
export async function kubeListRows() {
  const dir = mkdtempSync(join(tmpdir(), 'converge-kube-bench-'));
  const server = await startKubeApiServer();
  try {
    for (let i = 0; i < N; i++)
      server.cluster.put({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `cm-${i}`, namespace: 'default', labels: { bench: 'yes' } },
        data: { index: String(i) },
      });
    const cluster = new KubeCluster(
      loadKubeConfig({ kubeconfig: server.writeKubeconfig(join(dir, 'kubeconfig')) }),
    );
    const selector = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      labelSelector: { matchLabels: { bench: 'yes' } },
    };
    const url = `${server.url}/api/v1/configmaps?labelSelector=bench%3Dyes`;
    await cluster.list(selector); // discovery, connection
    const bare = await best(20, async () => JSON.parse(await (await fetch(url)).text()));
    const viaCluster = await best(20, () => cluster.list(selector));
    cluster.close();
    return [
      [`bare HTTP list of ${N} ConfigMaps (fetch + JSON.parse), best of 20`, `${bare.toFixed(1)} ms`, '1'],
      [
        `KubeCluster.list of the same (selectors, sort), best of 20`,
        `${viaCluster.toFixed(1)} ms`,
        `${(viaCluster / bare).toFixed(2)}× the bare list`,
      ],
    ];
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runCli(args, cwd) {
  return new Promise((resolve, reject) => {
    const child = spawn(join(ROOT, 'node_modules', '.bin', 'converge'), args, { cwd, stdio: 'ignore' });
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`converge ${args.join(' ')}: exit ${code}`)),
    );
  });
}

/** `converge run examples/quickstart/modules --once`: embedded vs --cluster kube (test API server). */
export async function kubeConvergeRows() {
  const dir = mkdtempSync(join(tmpdir(), 'converge-kube-bench-'));
  const modules = join(ROOT, 'examples', 'quickstart', 'modules');
  try {
    const embedded = await best(3, () =>
      runCli(['run', modules, '--once', '--json', '--store', `sqlite:${join(dir, 'e.sqlite')}`], dir),
    );
    let kube = Infinity;
    for (let i = 0; i < 3; i++) {
      const server = await startKubeApiServer();
      const configMap = parse(readFileSync(join(ROOT, 'examples', 'quickstart', 'config.yaml'), 'utf8'));
      server.cluster.put({ ...configMap, metadata: { ...configMap.metadata, namespace: 'default' } });
      const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
      const start = performance.now();
      await runCli(
        [
          'run',
          modules,
          '--cluster',
          'kube',
          '--kubeconfig',
          kubeconfig,
          '--once',
          '--json',
          '--store',
          `sqlite:${join(dir, 'k.sqlite')}`,
        ],
        dir,
      );
      kube = Math.min(kube, performance.now() - start);
      await server.close();
    }
    return [
      ['converge run quickstart --once, embedded (best of 3)', `${embedded.toFixed(0)} ms`, '1'],
      [
        'the same with --cluster kube (test API server, helm CLI), best of 3',
        `${kube.toFixed(0)} ms`,
        `${(kube / embedded).toFixed(2)}× embedded`,
      ],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
