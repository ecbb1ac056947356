// Helm benchmarks (issue 4): the cost of deciding "skip, unchanged" for a module whose chart and
// values did not change, against one real `helm template` of the same 50-object templated chart.
// Addon-operator renders on every run; converge reuses the render from its cache (render-cache.ts).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { InMemoryCluster } from '@converge/cluster-memory';
import { extractedBinary, HelmCliReleaseExecutor, InMemoryReleaseStore } from '@converge/helm';

const NS = 'bench';
const MODULE = 'bench-chart';
const KINDS = ['ConfigMap', 'Service', 'Deployment', 'ServiceAccount', 'Secret'];

function objectTemplate(kind, i) {
  const meta = `metadata:\n  name: {{ include "bench.name" . }}-${kind.toLowerCase()}-${i}\n  labels:\n    {{- include "bench.labels" . | nindent 4 }}\n`;
  switch (kind) {
    case 'ConfigMap':
      return `apiVersion: v1\nkind: ConfigMap\n${meta}data:\n  index: "${i}"\n  replicas: {{ .Values.benchChart.replicas | quote }}\n  cluster: {{ .Values.global.clusterName | default "none" | quote }}\n`;
    case 'Service':
      return `apiVersion: v1\nkind: Service\n${meta}spec:\n  selector:\n    app: {{ include "bench.name" . }}\n  ports:\n    - port: {{ add 8000 ${i} }}\n`;
    case 'Deployment':
      return `apiVersion: apps/v1\nkind: Deployment\n${meta}spec:\n  replicas: {{ .Values.benchChart.replicas }}\n  selector:\n    matchLabels:\n      app: {{ include "bench.name" . }}\n  template:\n    metadata:\n      labels:\n        app: {{ include "bench.name" . }}\n    spec:\n      containers:\n        - name: main\n          image: {{ printf "%s:%s" .Values.benchChart.image .Values.benchChart.tag | quote }}\n          {{- with .Values.benchChart.resources }}\n          resources:\n            {{- toYaml . | nindent 12 }}\n          {{- end }}\n`;
    case 'ServiceAccount':
      return `apiVersion: v1\nkind: ServiceAccount\n${meta}`;
    default:
      return `apiVersion: v1\nkind: Secret\n${meta}stringData:\n  token: {{ printf "%s-${i}" .Values.benchChart.token | b64enc | quote }}\n`;
  }
}

/** A 50-object templated chart (helpers, values, conditionals, toYaml) in a temp dir. */
export function writeBenchChart(dir) {
  const files = {
    'Chart.yaml': `apiVersion: v2\nname: ${MODULE}\nversion: 0.1.0\n`,
    'values.yaml': 'benchChart:\n  replicas: 1\n  image: nginx\n  tag: "1.27"\n  token: t\n',
    'templates/_helpers.tpl':
      '{{- define "bench.name" -}}{{ .Release.Name | trunc 40 }}{{- end -}}\n' +
      '{{- define "bench.labels" -}}\napp.kubernetes.io/name: {{ include "bench.name" . }}\napp.kubernetes.io/managed-by: {{ .Release.Service }}\n{{- end -}}\n',
  };
  for (let i = 0; i < 50; i++) {
    const kind = KINDS[i % KINDS.length];
    files[`templates/${String(i).padStart(2, '0')}-${kind.toLowerCase()}.yaml`] = objectTemplate(kind, i);
  }
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

const chartValues = {
  global: { clusterName: 'bench' },
  benchChart: {
    replicas: 3,
    image: 'nginx',
    tag: '1.27',
    token: 'secret',
    resources: { limits: { cpu: '100m' } },
  },
};

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timeEach(rounds, fn) {
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** The engine's skip decision (helm-step.ts): render, status, checksum compare, absent resources. */
async function decideSkip(executor) {
  const rendered = await executor.render(MODULE, chartValues);
  const info = await executor.status(MODULE);
  if (info?.status !== 'deployed' || info.checksum !== rendered.checksum) throw new Error('not a skip');
  const absent = await executor.absentResources(MODULE, rendered);
  if (absent.length > 0) throw new Error('not a skip');
}

export async function helmBench({ templateRounds = 15, decideRounds = 300 } = {}) {
  const helm = extractedBinary('helm3');
  if (!helm) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'converge-helm-bench-'));
  try {
    const chartDir = writeBenchChart(join(dir, MODULE));
    const valuesFile = join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(chartValues), { mode: 0o600 });
    const template = () =>
      execFileSync(helm, ['template', MODULE, chartDir, '--namespace', NS, '--values', valuesFile], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
    const objects = (template().match(/^kind: /gm) ?? []).length;
    const templateMs = await timeEach(templateRounds, template);
    const helmStartMs = await timeEach(templateRounds, () => execFileSync(helm, ['version']));

    // In-memory store (the embedded default): install once, then decide skip again and again.
    const store = new InMemoryReleaseStore({
      cluster: new InMemoryCluster(),
      namespace: NS,
      charts: () => chartDir,
      helm,
    });
    const rendered = await store.render(MODULE, chartValues);
    await store.upgrade(MODULE, chartValues, { checksum: rendered.checksum, labels: {}, rendered });
    await decideSkip(store);
    const storeMs = await timeEach(decideRounds, () => decideSkip(store));

    // CLI executor, status read from helm's release Secret (statusSource: 'secrets'): no helm
    // process on a skip. The release Secret is put into an in-memory cluster as helm would write it.
    const cluster = new InMemoryCluster();
    const cli = new HelmCliReleaseExecutor({
      helm,
      namespace: NS,
      charts: () => chartDir,
      cluster,
      statusSource: 'secrets',
    });
    const cliRendered = await cli.render(MODULE, chartValues);
    cluster.put({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: `sh.helm.release.v1.${MODULE}.v1`,
        namespace: NS,
        labels: {
          name: MODULE,
          owner: 'helm',
          status: 'deployed',
          version: '1',
          moduleChecksum: cliRendered.checksum,
        },
      },
    });
    for (const object of cliRendered.objects) {
      cluster.put({
        ...object,
        metadata: { ...object.metadata, namespace: object.metadata.namespace ?? NS },
      });
    }
    await decideSkip(cli);
    const cliMs = await timeEach(decideRounds, () => decideSkip(cli));
    return { objects, templateMs, helmStartMs, storeMs, cliMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Rows for bench/run.mjs: [what, value, ratio]. */
export async function helmRows() {
  const r = await helmBench();
  if (!r) return [['helm benchmarks', 'skipped', 'no extracted helm 3 (run npm ci)']];
  const ratio = (ms) => (ms / r.templateMs).toFixed(4);
  return [
    [
      `helm template, ${r.objects}-object templated chart (helm 3.17, median)`,
      `${r.templateMs.toFixed(1)} ms`,
      '1',
    ],
    [
      'decide "skip, unchanged", in-memory store (cached render + status + checksum + absent check)',
      `${(r.storeMs * 1000).toFixed(0)} µs`,
      `${ratio(r.storeMs)} of a helm template (target ≤ 0.05)`,
    ],
    [
      'decide "skip, unchanged", CLI executor, statusSource secrets (cached render, no helm process)',
      `${(r.cliMs * 1000).toFixed(0)} µs`,
      `${ratio(r.cliMs)} of a helm template (target ≤ 0.05)`,
    ],
    [
      'the same with statusSource helm: at least one helm start (`helm version` measured)',
      `≥ ${(r.cliMs + r.helmStartMs).toFixed(1)} ms`,
      `≥ ${ratio(r.cliMs + r.helmStartMs)} of a helm template`,
    ],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [what, value, ratio] of await helmRows()) {
    console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);
  }
}
