import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { serveEngine } from '@converge/server';
import { convergeBench } from './engine-bench.mjs';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
async function run(kind) {
  let c0 = 0,
    cpu = 0;
  const r = await convergeBench({
    attach: async (engine) => {
      let server, child, lines, off;
      if (kind === 'server' || kind === 'full') server = await serveEngine(engine, { listen: '127.0.0.1:0' });
      if (kind === 'listener') off = engine.onEvent(() => {});
      if (kind === 'pusher') {
        const p = [];
        off = engine.onEvent((e) => p.push(e));
      }
      if (kind === 'full') {
        child = spawn(process.execPath, ['bench/inspector-sse-client.mjs', server.url], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
        await lines.next();
      }
      c0 = cpuMs();
      return async (last) => {
        cpu = cpuMs() - c0;
        if (child) {
          child.stdin.write(last + '\n');
          await lines.next();
        }
        off?.();
        await server?.close();
      };
    },
  });
  return [r.ms, cpu];
}
const kinds = (process.env.KINDS ?? 'plain,listener,pusher,server,full').split(',');
const best = Object.fromEntries(kinds.map((k) => [k, [Infinity, Infinity]]));
for (let i = 0; i < Number(process.env.ROUNDS ?? 6); i++)
  for (const k of kinds) {
    const [ms, cpu] = await run(k);
    best[k][0] = Math.min(best[k][0], ms);
    best[k][1] = Math.min(best[k][1], cpu);
  }
for (const k of kinds)
  console.log(k, best[k][0].toFixed(0), best[k][1].toFixed(0), (best[k][1] / best[kinds[0]][1]).toFixed(3));
