import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConvergeEvent } from '@converge/protocol';
import type { Engine } from '@converge/runtime';
import { type InspectorHello, type InspectorStateMessage, stateViewOf } from '@converge/viz';
import type { Subscription } from 'rxjs';
import { queueSummary } from './queue-summary.js';
import { readRetained } from './retained-events.js';
import { eventFrame, keepAliveFrame, namedFrame, resumeSeq } from './sse-frames.js';

export interface InspectorFeedOptions {
  /** Least time between two writes of a burst of events, in ms (default 50). */
  intervalMs?: number;
  /** Events sent to a stream opened without `?after=` or `Last-Event-ID` (default 2000: the log's tail). */
  tailEvents?: number;
  /**
   * Events waiting for a write that force one at once, inside the engine's burst (default 50,000,
   * about two converges of 1,000 modules): a bound on memory for an engine that does not yield.
   */
  maxPendingEvents?: number;
  /** A client that has more than this many bytes unsent is disconnected; it resumes on reconnect (default 8 MiB). */
  maxBufferedBytes?: number;
  /** A comment line is sent after this long without data (default 15 s). */
  keepAliveMs?: number;
}

interface Client {
  res: ServerResponse;
}

/**
 * The inspector's event stream: every client gets the log's events after the seq it resumes from,
 * then each new event as it is appended, followed by a `state` message (the engine's own fold,
 * only the modules that changed) and a `queues` message when a queue changed.
 *
 * The engine comes first: its append path only queues a reference to the event. Serializing and
 * writing happen on a timer, so when the engine's event loop is free (a hook process running, a
 * retry waiting), at most once per `intervalMs`, or at once when `maxPendingEvents` wait. The
 * feed listens to the engine only while a client is connected: an unwatched server costs nothing.
 */
export class InspectorFeed {
  private readonly clients = new Set<Client>();
  private pending: ConvergeEvent[] = [];
  private listening: Subscription | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private lastWrite = 0;
  private readonly sentModules = new Map<string, object>();
  private lastQueues = '';
  private readonly intervalMs: number;
  private readonly tailEvents: number;
  private readonly maxPendingEvents: number;
  private readonly maxBufferedBytes: number;
  private readonly keepAliveMs: number;

  constructor(
    private readonly engine: Engine,
    options: InspectorFeedOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 50;
    this.tailEvents = options.tailEvents ?? 2000;
    this.maxPendingEvents = options.maxPendingEvents ?? 50_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
  }

  /** How many streams are open. */
  get size(): number {
    return this.clients.size;
  }

  /**
   * Answers `req` with an event stream that resumes after `Last-Event-ID` or `?after=SEQ` (the last
   * `tailEvents` events when neither is given) and follows the log until `signal` aborts.
   */
  open(req: IncomingMessage, res: ServerResponse, url: URL, signal: AbortSignal): void {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.end();
      return;
    }
    const asked = resumeSeq(req.headers['last-event-id'], url.searchParams.get('after'));
    this.listen();
    let frames: string[];
    try {
      frames = this.opening(asked);
    } catch (e) {
      if (this.clients.size === 0) this.unlisten();
      throw e;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(frames.join(''));
    const client: Client = { res };
    this.clients.add(client);
    const leave = () => this.drop(client);
    if (signal.aborted) leave();
    else signal.addEventListener('abort', leave, { once: true });
  }

  /** The first frames of a stream that resumes after `asked` (undefined: the log's tail). */
  private opening(asked: number | undefined): string[] {
    // What is pending goes to the clients already connected; the store covers it for this one.
    this.write();
    const store = this.engine.core.store;
    const last = store.lastSeq();
    // A seq beyond the log is from another log (a store that was replaced): start over.
    const reset = asked !== undefined && asked > last;
    const after = reset ? undefined : asked;
    const wanted = after !== undefined ? after + 1 : Math.max(1, last - this.tailEvents + 1);
    const events = wanted <= last ? readRetained(store, wanted) : [];
    const state = this.engine.state;
    const hello: InspectorHello = {
      lastSeq: last,
      fromSeq: events[0]?.seq ?? wanted,
      ...(state.runId === undefined ? {} : { runId: state.runId }),
      ...(reset ? { reset } : {}),
    };
    const frames = ['retry: 1000\n\n', namedFrame('hello', hello)];
    for (const e of events) frames.push(eventFrame(e));
    const full: InspectorStateMessage = { ...stateViewOf(state), full: true };
    frames.push(namedFrame('state', full), namedFrame('queues', queueSummary(this.engine)));
    return frames;
  }

  /** Ends every stream and stops listening to the engine. */
  close(): void {
    for (const c of [...this.clients]) this.drop(c);
  }

  private drop(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (!client.res.writableEnded) client.res.end();
    if (this.clients.size === 0) this.unlisten();
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = this.engine.events$.subscribe((e) => {
      if (this.pending.push(e) >= this.maxPendingEvents) this.write();
      else if (!this.timer) this.schedule();
    });
    this.listening.add(this.engine.activity$.subscribe(() => this.schedule()));
    this.keepAlive = setInterval(() => this.send(keepAliveFrame), this.keepAliveMs);
    this.keepAlive.unref();
  }

  private unlisten(): void {
    this.listening?.unsubscribe();
    this.listening = undefined;
    if (this.timer) clearTimeout(this.timer);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.timer = this.keepAlive = undefined;
    this.pending = [];
    this.sentModules.clear();
    this.lastQueues = '';
  }

  private schedule(): void {
    if (this.timer || !this.listening) return;
    const wait = Math.max(0, this.lastWrite + this.intervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, wait);
    this.timer.unref();
  }

  /** Sends the pending events, the state after them and the queues if they changed. */
  private write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.lastWrite = performance.now();
    const events = this.pending;
    this.pending = [];
    let chunk = '';
    for (const e of events) chunk += eventFrame(e);
    if (events.length > 0) chunk += namedFrame('state', this.stateDelta());
    const { now, queues } = queueSummary(this.engine);
    const q = JSON.stringify(queues);
    if (q !== this.lastQueues) {
      this.lastQueues = q;
      chunk += `event: queues\ndata: {"now":${now},"queues":${q}}\n\n`;
    }
    if (chunk !== '') this.send(chunk);
  }

  private stateDelta(): InspectorStateMessage {
    const state = this.engine.state;
    const changed: string[] = [];
    for (const name in state.modules) {
      const snap = state.modules[name];
      if (this.sentModules.get(name) !== snap) {
        this.sentModules.set(name, snap);
        changed.push(name);
      }
    }
    return { ...stateViewOf(state, changed), full: false };
  }

  private send(chunk: string): void {
    for (const c of this.clients) {
      // A client that does not read is let go: its EventSource reconnects and resumes from its last seq.
      if (c.res.writableLength > this.maxBufferedBytes) this.drop(c);
      else c.res.write(chunk);
    }
  }
}
