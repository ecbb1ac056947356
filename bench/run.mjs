// `npm run bench`: prints every figure as a ratio against a baseline measured in the same run.
import { PrometheusMetrics } from '@converge/runtime';
import { convergeBench, replayBench, snapshotReplayBench, spawnBench } from './engine-bench.mjs';
import { fleetRows } from './fleet-bench.mjs';
import { helmRows } from './helm-bench.mjs';
import { shellHookBench } from './hooks-bench.mjs';
import { inspectorRows } from './inspector-bench.mjs';
import { jqRows } from './jq-bench.mjs';
import { kubeConvergeRows, kubeListRows } from './kube-bench.mjs';
import { soakRows } from './soak-bench.mjs';
import { storeRows } from './store-bench.mjs';

const spawn = spawnBench();
// Best of three converges in one process: the first also pays for JIT warm-up and module loading.
const runs = [await convergeBench(), await convergeBench(), await convergeBench()];
const converge = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
const coldMs = runs[0].ms;
const perHookMs = converge.ms / converge.hookRuns;
// Issue 10: the same converge keeping addon-operator's metrics (what a served engine does).
const served = [];
for (let i = 0; i < 3; i++) served.push(await convergeBench({ metrics: new PrometheusMetrics() }));
const servedMs = Math.min(...served.map((r) => r.ms));
const replay = replayBench(converge.events);
const share = replay.transitions / converge.events.length;
const fromSnapshot = converge.snapshot ? snapshotReplayBench(converge.events, converge.snapshot) : undefined;

const rows = [
  ['spawn /bin/true (yardstick)', `${(spawn.msPerSpawn * 1000).toFixed(0)} µs`, '1'],
  [
    `engine overhead per hook run (1000 modules × 8 no-op hooks, ${converge.hookRuns} runs)`,
    `${(perHookMs * 1000).toFixed(1)} µs`,
    `${((perHookMs / spawn.msPerSpawn) * 100).toFixed(2)} % of a spawn (target ≤ 2 %)`,
  ],
  [
    "the same, keeping addon-operator's metrics (PrometheusMetrics, as when served)",
    `${((servedMs / converge.hookRuns) * 1000).toFixed(1)} µs`,
    `${(servedMs / converge.ms).toFixed(2)}× the engine's overhead without (${((servedMs / converge.hookRuns / spawn.msPerSpawn) * 100).toFixed(2)} % of a spawn)`,
  ],
  [
    'converge wall time (best of 3)',
    `${converge.ms.toFixed(0)} ms`,
    `${(converge.ms / spawn.msPerSpawn).toFixed(0)} spawns`,
  ],
  [
    'first (cold) converge, per hook run',
    `${((coldMs / converge.hookRuns) * 1000).toFixed(1)} µs`,
    `${((coldMs / converge.hookRuns / spawn.msPerSpawn) * 100).toFixed(2)} % of a spawn`,
  ],
  [
    `replay of ${converge.events.length} events`,
    `${Math.round(replay.eventsPerSecond).toLocaleString('en')} events/s`,
    `${(replay.eventsPerSecond / 200_000).toFixed(2)}× the 200,000 events/s target`,
  ],
  ...(fromSnapshot
    ? [
        [
          `restore the last snapshot + fold its ${fromSnapshot.tail}-event tail`,
          `${fromSnapshot.ms.toFixed(1)} ms`,
          `${((fromSnapshot.ms / replay.ms) * 100).toFixed(1)} % of a full replay`,
        ],
      ]
    : []),
  [
    'events that reach xstate transition()',
    `${replay.transitions}`,
    `${(share * 100).toFixed(1)} % of the log`,
  ],
];
// Helm (issue 4): deciding "skip, unchanged" against one helm template of a 50-object chart.
rows.push(...(await helmRows()));
// Kubernetes API (issue 5): KubeCluster reads, and a converge through an API and the helm CLI.
rows.push(...(await kubeListRows()), ...(await kubeConvergeRows()));
// Event stores (issue 9): a writer's open with its tail check, and records against appends.
rows.push(...(await storeRows()));
// Issue 9, safe to leave running: heap of a simulated week against its first hour.
rows.push(...soakRows());
// Issue 10: the same converge served over HTTP with a live inspector following its event stream.
rows.push(...(await inspectorRows()));
// Issue 13: jq engines and the jq command against Debian's jq.
rows.push(...(await jqRows()));
// Issue 11: a fleet of engines on the Postgres store, and two scale figures of one engine.
rows.push(...fleetRows());
for (const [what, value, ratio] of rows) console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);

// Issue: real hooks — a shell hook through converge vs the same script spawned bare.
const shell = await shellHookBench();
console.log(
  `${'shell hook via converge (files, JSON, patch) vs bare spawn'.padEnd(70)} ${`${(shell.viaMs * 1000).toFixed(0)} µs`.padStart(18)}   ${(shell.viaMs / shell.bareMs).toFixed(2)}× the bare spawn of ${(shell.bareMs * 1000).toFixed(0)} µs (target ≤ 1.5×)`,
);
