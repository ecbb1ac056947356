// jq engines against Debian's jq (issue 13): a jqFilter on a kubernetes object, in the engine
// (long-lived jq processes vs the WebAssembly jq in process), and the `jq` command a hook runs
// (Debian's /usr/bin/jq vs converge's bundled jq). Each figure is a ratio to Debian's jq in the same run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUNDLED_JQ_DIR, findOnPath, JqProcessEngine, JqWasmEngine } from '@converge/hooks';

const pod = (i) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: 'echo', tier: i % 2 ? 'web' : 'db' } },
  spec: { containers: [{ name: 'app', image: 'ealen/echo-server:0.9.2' }], nodeName: `node-${i % 3}` },
  status: { phase: 'Running', podIP: `10.0.0.${i % 250}` },
});
const FILTER = '{name: .metadata.name, node: .spec.nodeName, images: [.spec.containers[].image]}';

function perEvaluation(engine, n) {
  for (let i = 0; i < 20; i++) engine.evaluate(FILTER, pod(i));
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) engine.evaluate(FILTER, pod(i));
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return best;
}

function perCommand(argv, env, n) {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const run = spawnSync(argv[0], argv.slice(1), { env, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`${argv.join(' ')}: ${run.stderr}`);
    }
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return best;
}

/** Rows `[what, value, ratio]`; none when Debian's jq is not installed (the baseline). */
export async function jqRows() {
  const debian = findOnPath('jq', process.env.PATH);
  if (!debian) return [['jq engines: no jq on PATH, no baseline', '—', 'skipped']];
  const processes = new JqProcessEngine({ jq: debian });
  const wasm = await JqWasmEngine.load();
  const processMs = perEvaluation(processes, 2000);
  const wasmMs = perEvaluation(wasm, 300);
  processes.close();
  const dir = mkdtempSync(join(tmpdir(), 'converge-jq-bench-'));
  const values = join(dir, 'values.json');
  writeFileSync(
    values,
    JSON.stringify({ global: { clusterName: 'demo' }, pods: Array.from({ length: 50 }, (_, i) => pod(i)) }),
  );
  const env = { PATH: process.env.PATH, CONVERGE_NODE: process.execPath };
  const cmd = ['-r', '.global.clusterName // "unknown"', values];
  const debianCmdMs = perCommand([debian, ...cmd], env, 30);
  const bundledCmdMs = perCommand([join(BUNDLED_JQ_DIR, 'jq'), ...cmd], env, 10);
  rmSync(dir, { recursive: true, force: true });
  const us = (ms) => `${(ms * 1000).toFixed(0)} µs`;
  return [
    ['jqFilter per object, long-lived Debian jq processes (JqProcessEngine)', us(processMs), '1'],
    [
      'jqFilter per object, WebAssembly jq in process (JqWasmEngine)',
      us(wasmMs),
      `${(wasmMs / processMs).toFixed(1)}× Debian's`,
    ],
    ["a hook's `jq -r … values.json`, Debian's /usr/bin/jq", us(debianCmdMs), '1'],
    [
      "the same with converge's bundled jq (Node + WebAssembly)",
      us(bundledCmdMs),
      `${(bundledCmdMs / debianCmdMs).toFixed(1)}× Debian's`,
    ],
  ];
}
