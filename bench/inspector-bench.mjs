// Issue 10 (live inspector): engine overhead per hook run while `serveEngine` serves the engine
// and an inspector follows its event stream (a client in another process, as a browser is),
// against the same converge without a server, in the same run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { serveEngine } from '@converge/server';
import { convergeBench } from './engine-bench.mjs';

const clientScript = new URL('./inspector-sse-client.mjs', import.meta.url).pathname;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Serves the engine on a free port and waits until a client process has the stream open; the
 * returned detach waits until that client has every event, then closes both.
 */
async function withInspector(engine) {
  const server = await serveEngine(engine, { listen: '127.0.0.1:0' });
  const child = spawn(process.execPath, [clientScript, server.url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'open') throw new Error(`inspector client: expected "open", got ${first.value}`);
  const t0 = performance.now();
  const cpu0 = cpuMs();
  return async (lastSeq) => {
    // Every event must have reached the client, or the run did not measure a live inspector.
    child.stdin.write(`${lastSeq}\n`);
    const report = await lines.next();
    const deliveredMs = performance.now() - t0;
    const deliveredCpu = cpuMs() - cpu0;
    const [, count, last] = String(report.value).split(' ');
    if (Number(last) !== lastSeq) throw new Error(`inspector client stopped at seq ${last}, not ${lastSeq}`);
    await once(child, 'exit');
    await server.close();
    return { count: Number(count), deliveredMs, deliveredCpu };
  };
}

/** One converge; `served` adds the server and a connected inspector. Wall and CPU time to idle. */
async function converge(served, size) {
  let cpu0 = 0;
  let cpu = 0;
  let delivered;
  const r = await convergeBench({
    ...size,
    attach: async (engine) => {
      const detach = served ? await withInspector(engine) : undefined;
      cpu0 = cpuMs();
      return async (lastSeq) => {
        cpu = cpuMs() - cpu0;
        if (detach) delivered = await detach(lastSeq);
      };
    },
  });
  return { ms: r.ms, cpu, hookRuns: r.hookRuns, delivered };
}

/**
 * Alternates converges without and with a served engine and a connected inspector; each figure is
 * the best of `rounds`: the converge's wall time and this process's CPU time until the engine is
 * idle (the engine overhead), and for the served one the time until the client had the last event.
 */
export async function inspectorBench({ rounds = 7, modules = 1000, hooksPerModule = 8 } = {}) {
  const size = { modules, hooksPerModule };
  const best = {
    plainMs: Infinity,
    plainCpu: Infinity,
    servedMs: Infinity,
    servedCpu: Infinity,
    deliveredMs: Infinity,
    deliveredCpu: Infinity,
  };
  let hookRuns = 0;
  let events = 0;
  await converge(false, size); // warm-up: JIT and module loading
  await converge(true, size);
  for (let r = 0; r < rounds; r++) {
    const plain = await converge(false, size);
    const served = await converge(true, size);
    hookRuns = plain.hookRuns;
    events = served.delivered.count;
    best.plainMs = Math.min(best.plainMs, plain.ms);
    best.plainCpu = Math.min(best.plainCpu, plain.cpu);
    best.servedMs = Math.min(best.servedMs, served.ms);
    best.servedCpu = Math.min(best.servedCpu, served.cpu);
    best.deliveredMs = Math.min(best.deliveredMs, served.delivered.deliveredMs);
    best.deliveredCpu = Math.min(best.deliveredCpu, served.delivered.deliveredCpu);
  }
  return { ...best, hookRuns, events };
}

const us = (ms, runs) => `${((ms / runs) * 1000).toFixed(1)} µs`;

/** The rows `npm run bench` prints. */
export async function inspectorRows() {
  const b = await inspectorBench();
  return [
    [
      `engine overhead per hook run, served + inspector streaming ${b.events} events (wall)`,
      us(b.servedMs, b.hookRuns),
      `${(b.servedMs / b.plainMs).toFixed(3)}× without a server (${us(b.plainMs, b.hookRuns)}; target ≤ 1.05)`,
    ],
    [
      '  the same in CPU time of the engine process',
      us(b.servedCpu, b.hookRuns),
      `${(b.servedCpu / b.plainCpu).toFixed(3)}× without a server (${us(b.plainCpu, b.hookRuns)})`,
    ],
    [
      '  CPU time until the inspector has every event (serializing included)',
      us(b.deliveredCpu, b.hookRuns),
      `${(b.deliveredCpu / b.plainCpu).toFixed(3)}× the converge without a server`,
    ],
    [
      '  wall time until the inspector has every event',
      us(b.deliveredMs, b.hookRuns),
      `${(b.deliveredMs / b.plainMs).toFixed(3)}× the converge without a server`,
    ],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [what, value, ratio] of await inspectorRows())
    console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);
}
