// The fleet benchmark of issue 11 in `npm run bench`: bench/fleet.mjs in a child process with
// --expose-gc (heap after gc, apart from the other benchmarks' garbage). FLEET_TARGETS and
// FLEET_MODULES pass through (defaults 100 and 10; 100 × 50 takes ~7 minutes on 2 cores).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const KB = 1024;

export function fleetBench() {
  const out = execFileSync(process.execPath, ['--expose-gc', join(import.meta.dirname, 'fleet.mjs')], {
    encoding: 'utf8',
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Rows for bench/run.mjs: [what, value, ratio]. */
export function fleetRows() {
  const f = fleetBench();
  const s = f.snapshot;
  const m = f.makespan;
  const fleet = `${f.targets} targets × ${f.modules} modules (in-code hooks of ${f.hookMs} ms, Postgres store)`;
  return [
    [
      `fleet: ${fleet}, converged one after another (baseline)`,
      `${(f.sequentialMs / 1000).toFixed(1)} s`,
      '1',
    ],
    [
      `fleet: the same ${f.targets} converges at once in one process`,
      `${(f.fleetMs / 1000).toFixed(1)} s`,
      `${f.fleetRatio.toFixed(2)}× (baseline ÷ ${f.concurrency})`,
    ],
    [
      'fleet: memory per engine (heap after gc; rss)',
      `${(f.heapPerEngine / KB).toFixed(0)} KB`,
      `rss ${(f.rssPerEngine / KB).toFixed(0)} KB`,
    ],
    ['Postgres: plain single-row INSERTs (baseline)', `${Math.round(f.insertsPerS)}/s`, '1'],
    [
      'Postgres: store appends of one event',
      `${Math.round(f.appendsPerS)}/s`,
      `${f.appendRatio.toFixed(2)}× the INSERTs`,
    ],
    [
      `fleet: takeover of ${f.takenOver} targets after a SIGKILL (lease ${f.leaseMs} ms)`,
      `${f.takeoverMs.toFixed(0)} ms`,
      `${f.takeoverRatio.toFixed(2)}× the lease`,
    ],
    [
      `snapshot of ${s.n} watched objects: retained per object vs its projection's JSON`,
      `${s.bytesPerObject.toFixed(0)} B vs ${s.projectedJsonBytes.toFixed(0)} B`,
      `${(s.bytesPerObject / s.projectedJsonBytes).toFixed(2)}× (goal ≤ 2)`,
    ],
    [
      `converge of ${m.groups} order groups × ${m.perGroup} (hooks 10–40 ms, helm ${m.helmMs} ms): makespan`,
      `${m.makespanMs.toFixed(0)} ms`,
      `${(m.makespanMs / m.criticalPathMs).toFixed(3)}× the ${m.criticalPathMs} ms critical path (goal ≤ 1.1)`,
    ],
  ];
}
