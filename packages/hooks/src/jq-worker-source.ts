/**
 * Source of the worker thread behind `JqProcessEngine` (CommonJS, run with `eval: true`). It keeps
 * one long-lived `jq -c` process per filter (least recently used ones are ended past `max`), writes
 * each input as one line and answers with the single line the wrapped program prints for it, then
 * wakes the blocked caller through the shared flag.
 */
export const JQ_WORKER_SOURCE = String.raw`
const { workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { port, flag: shared, jq, max } = workerData;
const flag = new Int32Array(shared);
const procs = new Map();

const program = (filter) => 'try ([\n' + filter + '\n] | {ok: .}) catch {error: .}';

function start(filter) {
  const child = spawn(jq, ['-c', '--unbuffered', program(filter)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p = { child, out: '', err: '', waiting: null, dead: false };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    p.out += d;
    let i;
    while ((i = p.out.indexOf('\n')) >= 0) {
      const line = p.out.slice(0, i);
      p.out = p.out.slice(i + 1);
      const w = p.waiting;
      p.waiting = null;
      if (w) w({ line });
    }
  });
  child.stderr.on('data', (d) => {
    p.err = (p.err + d).slice(-4096);
  });
  const gone = (status) => {
    if (p.dead) return;
    p.dead = true;
    if (procs.get(filter) === p) procs.delete(filter);
    const w = p.waiting;
    p.waiting = null;
    // stderr may still be arriving: give it a moment before answering
    if (w) setTimeout(() => w({ exit: status, stderr: p.err.trim() }), 20);
  };
  child.on('error', (e) => {
    p.err += e.message;
    gone(-1);
  });
  child.on('exit', (code, signal) => gone(code === null ? signal : code));
  child.stdin.on('error', () => {});
  return p;
}

function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

port.on('message', ({ id, filter, input }) => {
  let p = procs.get(filter);
  if (p) procs.delete(filter);
  if (!p || p.dead) p = start(filter);
  procs.set(filter, p);
  while (procs.size > max) {
    const [oldest, q] = procs.entries().next().value;
    procs.delete(oldest);
    q.child.stdin.end();
  }
  p.waiting = (result) => reply({ id, ...result });
  p.child.stdin.write(input + '\n');
});
`;
