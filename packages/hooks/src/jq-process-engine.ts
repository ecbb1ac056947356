import { spawnSync } from 'node:child_process';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { JqEngine } from '@converge/runtime';
import { JqError, jqAnswer, STALLING_JQ_BUILTINS, wrapJqFilter } from './jq-results.js';
import { JQ_WORKER_SOURCE } from './jq-worker-source.js';

/**
 * `JqEngine` backed by long-lived `jq` processes (shell-operator pkg/filter/jq/apply.go). `evaluate` is synchronous: the caller
 * blocks on a shared flag while a worker thread talks to one `jq -c` process per filter, so a filter
 * is compiled once and each object costs one pipe round trip. Results follow gojq where jq 1.6
 * differs: object keys come out sorted. A filter that names `halt`, `halt_error`, `input` or
 * `inputs` would stall a long-lived process (jq waits for the next input), so it runs in a one-shot
 * `jq` with stdin closed instead.
 */

export interface JqProcessEngineOptions {
  /** The jq binary (default: `JQ_BIN`, else `jq` on PATH). */
  jq?: string;
  /** How long one evaluation may take before it fails and the worker restarts (default 30 s). */
  timeoutMs?: number;
  /** Filters with a live process (least recently used ones are ended past this; default 64). */
  maxProcesses?: number;
}

interface WorkerReply {
  id: number;
  line?: string;
  exit?: number | string;
  stderr?: string;
}

export class JqProcessEngine implements JqEngine {
  private readonly jq: string;
  private readonly timeoutMs: number;
  private readonly maxProcesses: number;
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private flag: Int32Array | undefined;
  private seq = 0;

  constructor(options: JqProcessEngineOptions = {}) {
    this.jq = options.jq ?? process.env.JQ_BIN ?? 'jq';
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxProcesses = options.maxProcesses ?? 64;
  }

  /** Every output of `filter` on `input`; throws `JqError` on compile and runtime errors. */
  evaluate(filter: string, input: unknown): unknown[] {
    if (STALLING_JQ_BUILTINS.test(filter)) return this.evaluateOnce(filter, input);
    const { port, flag } = this.ensureWorker();
    const id = ++this.seq;
    Atomics.store(flag, 0, 0);
    port.postMessage({ id, filter, input: JSON.stringify(input ?? null) });
    if (Atomics.wait(flag, 0, 0, this.timeoutMs) === 'timed-out') {
      this.close();
      throw new JqError(`jq did not answer within ${this.timeoutMs} ms for filter ${filter}`);
    }
    let reply: WorkerReply | undefined;
    for (;;) {
      const received = receiveMessageOnPort(port);
      if (!received) break;
      reply = received.message as WorkerReply;
      if (reply.id === id) break;
    }
    if (!reply || reply.id !== id) throw new JqError(`jq worker lost the answer for filter ${filter}`);
    if (reply.line === undefined) {
      if (reply.exit === 0) return [];
      throw new JqError(reply.stderr || `jq exited with status ${reply.exit}`);
    }
    return jqAnswer(reply.line);
  }

  private evaluateOnce(filter: string, input: unknown): unknown[] {
    const run = spawnSync(this.jq, ['-c', wrapJqFilter(filter)], {
      input: `${JSON.stringify(input ?? null)}\n`,
      encoding: 'utf8',
      timeout: this.timeoutMs,
    });
    if (run.error) throw new JqError(`cannot run ${this.jq}: ${run.error.message}`);
    const line = run.stdout.split('\n')[0] ?? '';
    if (line) return jqAnswer(line);
    if (run.status === 0) return [];
    throw new JqError(run.stderr.trim() || `jq exited with status ${run.status}`);
  }

  /** Compile check (for `checkJqFilter`): the error text, or undefined when `filter` compiles. */
  check(filter: string): string | undefined {
    const run = spawnSync(this.jq, ['-n', `empty | (\n${filter}\n)`], {
      encoding: 'utf8',
      timeout: this.timeoutMs,
    });
    if (run.error) return `cannot run ${this.jq}: ${run.error.message}`;
    if (run.status === 0) return undefined;
    return run.stderr.trim().replace(/\s+/g, ' ') || `jq exited with status ${run.status}`;
  }

  /** Ends the worker and every jq process. The engine starts again on the next `evaluate`. */
  close(): void {
    void this.worker?.terminate();
    this.port?.close();
    this.worker = undefined;
    this.port = undefined;
    this.flag = undefined;
  }

  private ensureWorker(): { port: MessagePort; flag: Int32Array } {
    if (this.worker && this.port && this.flag) return { port: this.port, flag: this.flag };
    const shared = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(JQ_WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag: shared, jq: this.jq, max: this.maxProcesses },
      transferList: [port2],
    });
    this.worker.unref();
    port1.unref();
    this.port = port1;
    this.flag = new Int32Array(shared);
    return { port: port1, flag: this.flag };
  }
}

/** JQPatch's jq (shell-operator pkg/kube/object_patch/patch.go): the filter must produce exactly one value. */
export function jqPatchFunction(engine: JqEngine): (filter: string, input: unknown) => unknown {
  return (filter, input) => {
    const results = engine.evaluate(filter, input);
    if (results.length !== 1)
      throw new JqError(`jqFilter must produce one object, got ${results.length} results`);
    return results[0];
  };
}
