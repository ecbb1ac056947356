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

/**
 * One converge: `plain` (no server), `served` (serveEngine, no client; addon-operator's metrics are
 * kept from then on) or `inspected` (served, and an inspector follows the stream). Wall and CPU time
 * until the engine is idle; for `inspected` also until the client had every event.
 */
async function converge(kind, size) {
  let cpu0 = 0;
  let cpu = 0;
  let delivered;
  const r = await convergeBench({
    ...size,
    attach: async (engine) => {
      let detach;
      if (kind === 'inspected') detach = await withInspector(engine);
      if (kind === 'served') {
        const server = await serveEngine(engine, { listen: '127.0.0.1:0' });
        detach = () => server.close();
      }
      cpu0 = cpuMs();
      return async (lastSeq) => {
        cpu = cpuMs() - cpu0;
        const d = await detach?.(lastSeq);
        if (kind === 'inspected') delivered = d;
      };
    },
  });
  return { ms: r.ms, cpu, hookRuns: r.hookRuns, delivered };
}

const KINDS = ['plain', 'served', 'inspected'];

/**
 * Alternates converges without a server, served, and served with a connected inspector; each
 * figure is the best of `rounds`: the converge's wall time and this process's CPU time until the
 * engine is idle (the engine overhead), and for the inspected one the time until the client had
 * the last event (wall, and CPU of this process: serializing and writing included).
 */
export async function inspectorBench({ rounds = 7, modules = 1000, hooksPerModule = 8 } = {}) {
  const size = { modules, hooksPerModule };
  const best = {};
  for (const k of KINDS) best[k] = { ms: Infinity, cpu: Infinity };
  best.delivered = { ms: Infinity, cpu: Infinity };
  let hookRuns = 0;
  let events = 0;
  for (const k of KINDS) await converge(k, size); // warm-up: JIT and module loading
  for (let r = 0; r < rounds; r++) {
    for (const k of KINDS) {
      const c = await converge(k, size);
      hookRuns = c.hookRuns;
      best[k].ms = Math.min(best[k].ms, c.ms);
      best[k].cpu = Math.min(best[k].cpu, c.cpu);
      if (c.delivered) {
        events = c.delivered.count;
        best.delivered.ms = Math.min(best.delivered.ms, c.delivered.deliveredMs);
        best.delivered.cpu = Math.min(best.delivered.cpu, c.delivered.deliveredCpu);
      }
    }
  }
  return { ...best, hookRuns, events };
}

const us = (ms, runs) => `${((ms / runs) * 1000).toFixed(1)} µs`;

/** The rows `npm run bench` prints (`rounds`: repetitions of each variant, best of them reported). */
export async function inspectorRows({ rounds } = {}) {
  const b = await inspectorBench(rounds ? { rounds } : {});
  const per = (ms) => us(ms, b.hookRuns);
  const ratio = (x, y) => `${(x / y).toFixed(3)}×`;
  return [
    [
      `engine overhead per hook run, served + inspector streaming ${b.events} events (wall)`,
      per(b.inspected.ms),
      `${ratio(b.inspected.ms, b.plain.ms)} without a server (${per(b.plain.ms)}; target ≤ 1.05)`,
    ],
    [
      '  the same in CPU time of the engine process',
      per(b.inspected.cpu),
      `${ratio(b.inspected.cpu, b.plain.cpu)} without a server (${per(b.plain.cpu)})`,
    ],
    [
      '  served without an inspector (CPU): the server and its metrics',
      per(b.served.cpu),
      `${ratio(b.served.cpu, b.plain.cpu)} without a server; the inspector adds ${ratio(b.inspected.cpu, b.served.cpu)}`,
    ],
    [
      '  CPU until the inspector has every event (serializing included)',
      per(b.delivered.cpu),
      `${ratio(b.delivered.cpu, b.plain.cpu)} without a server`,
    ],
    [
      '  wall time until the inspector has every event',
      per(b.delivered.ms),
      `${ratio(b.delivered.ms, b.plain.ms)} without a server`,
    ],
  ];
}

// `node bench/inspector-bench.mjs [--rounds N]`: this bench alone (default 7 rounds).
if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--rounds');
  const rounds = at > 0 ? Number(process.argv[at + 1]) : undefined;
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
    throw new Error(
      `bench/inspector-bench.mjs: --rounds takes a positive integer, not ${process.argv[at + 1]}`,
    );
  for (const [what, value, ratio] of await inspectorRows({ rounds }))
    console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);
}
