// Issue 10 (live inspector): engine overhead per hook run while `serveEngine` serves the engine
// and an inspector follows its event stream (a client in another process, as a browser is),
// against the same converge without a server, in the same run.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { serveEngine } from '@converge/server';
import { convergeBench } from './engine-bench.mjs';

const clientScript = new URL('./inspector-sse-client.mjs', import.meta.url).pathname;

/** Serves the engine on a free port and waits until a client process has the stream open. */
async function withInspector(engine) {
  const server = await serveEngine(engine, { listen: '127.0.0.1:0' });
  const child = spawn(process.execPath, [clientScript, server.url], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.value !== 'open') throw new Error(`inspector client: expected "open", got ${first.value}`);
  const t0 = performance.now();
  return async (lastSeq) => {
    // Every event must have reached the client, or the run did not measure a live inspector.
    child.stdin.write(`${lastSeq}\n`);
    const report = await lines.next();
    const deliveredMs = performance.now() - t0;
    const [, count, last] = String(report.value).split(' ');
    if (Number(last) !== lastSeq) throw new Error(`inspector client stopped at seq ${last}, not ${lastSeq}`);
    await once(child, 'exit');
    await server.close();
    return { count: Number(count), deliveredMs };
  };
}

/**
 * Alternates converges without and with a served engine and a connected inspector; the figures
 * are the best of `rounds` of each: the converge's wall time (engine overhead), and for the served
 * one also the time until the client process had received the last event.
 */
export async function inspectorBench({ rounds = 7, modules = 1000, hooksPerModule = 8 } = {}) {
  let without = Number.POSITIVE_INFINITY;
  let withInspectorMs = Number.POSITIVE_INFINITY;
  let deliveredMs = Number.POSITIVE_INFINITY;
  let hookRuns = 0;
  let delivered = 0;
  await convergeBench({ modules, hooksPerModule }); // warm-up
  for (let r = 0; r < rounds; r++) {
    const plain = await convergeBench({ modules, hooksPerModule });
    without = Math.min(without, plain.ms);
    hookRuns = plain.hookRuns;
    const served = await convergeBench({
      modules,
      hooksPerModule,
      attach: async (engine) => {
        const detach = await withInspector(engine);
        return async (lastSeq) => {
          const d = await detach(lastSeq);
          delivered = d.count;
          deliveredMs = Math.min(deliveredMs, d.deliveredMs);
        };
      },
    });
    withInspectorMs = Math.min(withInspectorMs, served.ms);
  }
  return { withoutMs: without, withMs: withInspectorMs, deliveredMs, hookRuns, delivered };
}

/** The row `npm run bench` prints. */
export async function inspectorRows() {
  const b = await inspectorBench();
  return [
    [
      `engine overhead per hook run, served + inspector streaming (${b.delivered} events)`,
      `${((b.withMs / b.hookRuns) * 1000).toFixed(1)} µs`,
      `${(b.withMs / b.withoutMs).toFixed(3)}× without a server (${((b.withoutMs / b.hookRuns) * 1000).toFixed(1)} µs; target ≤ 1.05)`,
    ],
    [
      '  … until the inspector process has received the last event',
      `${((b.deliveredMs / b.hookRuns) * 1000).toFixed(1)} µs`,
      `${(b.deliveredMs / b.withoutMs).toFixed(3)}× the converge without a server`,
    ],
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [what, value, ratio] of await inspectorRows())
    console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);
}
