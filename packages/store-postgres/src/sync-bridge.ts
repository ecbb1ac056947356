import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { deserializeError } from './worker-errors.js';
import type { WorkerCall, WorkerNotice, WorkerResponse } from './worker-protocol.js';

/**
 * Synchronous calls into the PostgreSQL worker thread. The EventStore port is synchronous (an
 * append returns the stored events, as node:sqlite does), while every PostgreSQL client for Node
 * is asynchronous; so the main thread posts a request, blocks in `Atomics.wait` until the worker
 * sets a shared flag, and takes the answer with `receiveMessageOnPort` (the technique of Node's
 * own docs for `receiveMessageOnPort`, and of the `synckit` package). One worker per process is
 * shared by every open store; when the last one closes, the worker ends its connections and stays
 * idle (unref'd, so it never keeps the process alive) for the next store.
 */
export class SyncBridge {
  private static current: SyncBridge | undefined;
  private readonly worker: Worker;
  private readonly responses: MessagePort;
  private readonly flag: Int32Array;
  private readonly noticeListeners = new Map<number, (notice: WorkerNotice) => void>();
  private nextRequest = 1;
  private nextStore = 1;
  private users = 0;
  private failed: Error | undefined;

  private constructor() {
    const flag = new SharedArrayBuffer(4);
    this.flag = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    const notices = new MessageChannel();
    this.responses = port1;
    this.worker = new Worker(new URL('./postgres-worker.js', import.meta.url), {
      workerData: { flag, responses: port2, notices: notices.port2 },
      transferList: [port2, notices.port2],
    });
    notices.port1.on('message', (notice: WorkerNotice) => this.noticeListeners.get(notice.store)?.(notice));
    // Never keeps the process alive by itself: an exiting process ends it.
    this.worker.unref();
    this.responses.unref();
    notices.port1.unref();
    // Seen between calls (a blocked thread gets no events): later calls fail at once, and the next
    // store starts a new worker.
    this.worker.on('error', (error) => {
      this.failed = new Error(`the PostgreSQL worker thread failed: ${error.message}`, { cause: error });
      if (SyncBridge.current === this) SyncBridge.current = undefined;
    });
    this.worker.on('exit', (code) => {
      this.failed ??= new Error(`the PostgreSQL worker thread exited (code ${code})`);
      if (SyncBridge.current === this) SyncBridge.current = undefined;
    });
  }

  /** The process's bridge, started on first use; `release()` it when the store closes. */
  static acquire(): SyncBridge {
    SyncBridge.current ??= new SyncBridge();
    SyncBridge.current.users += 1;
    return SyncBridge.current;
  }

  /** A new store id, for requests and notices. */
  newStoreId(): number {
    return this.nextStore++;
  }

  /** Calls `listener` with the worker's notices about `store` (a lost lease) until it closes. */
  onNotice(store: number, listener: (notice: WorkerNotice) => void): void {
    this.noticeListeners.set(store, listener);
  }

  /**
   * Runs one request in the worker and returns its result, blocking this thread meanwhile; the
   * worker's error is rethrown as its typed error. Throws when no answer comes within `timeoutMs`.
   */
  call<T>(request: WorkerCall, timeoutMs: number): T {
    if (this.failed) throw this.failed;
    const id = this.nextRequest++;
    Atomics.store(this.flag, 0, 0);
    this.worker.postMessage({ ...request, id });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const received = receiveMessageOnPort(this.responses);
      if (received) {
        const response = received.message as WorkerResponse;
        // An answer to an earlier request that timed out: skip it.
        if (response.id !== id) continue;
        if (!response.ok) throw deserializeError(response.error);
        return response.result as T;
      }
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`PostgreSQL did not answer a ${request.op} within ${Math.round(timeoutMs)} ms`);
      Atomics.wait(this.flag, 0, 0, left);
      Atomics.store(this.flag, 0, 0);
    }
  }

  /** Drops a store's notices and, after the last store, ends the worker's connections. */
  async release(store: number): Promise<void> {
    this.noticeListeners.delete(store);
    this.users -= 1;
    if (this.users > 0 || this.failed) return;
    this.call({ op: 'shutdown' }, 10_000);
  }
}
