import type { NarrowingQuery } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';
import { type ApiResource, resourcePath } from './discovery.js';
import { KubeApiError } from './errors.js';
import { type ListedCollection, listCollection, withType } from './list-collection.js';
import type { KubeTransport } from './transport.js';

/** What the stream reports: a raw watch event, or a complete (re)list of the scope. */
export interface ReflectorHandlers {
  /** The scope's full content: first (`initial`), and again after a 410 Gone. */
  onList(collection: ListedCollection, initial: boolean): void;
  onEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  /** A failure the reflector recovers from by retrying (with backoff). */
  onError(error: unknown): void;
}

export interface ReflectorOptions {
  transport: KubeTransport;
  /** Resolves the resource on each (re)list, so a kind served later (a CRD) is picked up. */
  resource: () => Promise<ApiResource>;
  namespace: string | undefined;
  query: NarrowingQuery;
  handlers: ReflectorHandlers;
  /** First retry delay; doubles up to 30 s. Default 500 ms. */
  retryDelayMs?: number;
}

const MAX_DELAY_MS = 30_000;

/**
 * Lists one scope of a resource, then watches it from the list's resourceVersion, forever: a
 * stream that ends is reopened from the last resourceVersion seen (bookmarks included), a 410
 * Gone (as a status or an ERROR event) lists again, and any other failure is reported and
 * retried with exponential backoff. `stop()` aborts the open request.
 */
export class Reflector {
  private stopped = false;
  private current: AbortController | undefined;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private resourceVersion = '';

  constructor(private readonly options: ReflectorOptions) {}

  /** Starts the loop; resolves after the first list attempt, successful or not (or when stopped). */
  start(): Promise<void> {
    return new Promise((listed) => {
      void this.run(listed);
    });
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
    clearTimeout(this.timer);
    this.wake?.();
  }

  private async run(listed: () => void): Promise<void> {
    const { handlers } = this.options;
    let needList = true;
    let initial = true;
    let failures = 0;
    while (!this.stopped) {
      try {
        const resource = await this.options.resource();
        if (needList) {
          const collection = await listCollection(
            this.options.transport,
            resource,
            this.options.namespace,
            this.options.query,
          );
          if (this.stopped) break;
          this.resourceVersion = collection.resourceVersion;
          handlers.onList(collection, initial);
          if (initial) listed();
          initial = false;
          needList = false;
        }
        const started = Date.now();
        const outcome = await this.watchOnce(resource);
        failures = 0;
        if (outcome === 'gone') needList = true;
        else if (outcome === 'empty' && Date.now() - started < 500) await this.sleep(1000);
      } catch (error) {
        if (this.stopped) break;
        if (error instanceof KubeApiError && error.status === 410) {
          needList = true;
          continue;
        }
        listed();
        handlers.onError(error);
        await this.sleep(Math.min(MAX_DELAY_MS, (this.options.retryDelayMs ?? 500) * 2 ** failures++));
      }
    }
    listed();
  }

  /** One watch request; 'gone' when the server said 410, 'empty' when it ended without a line. */
  private async watchOnce(resource: ApiResource): Promise<'gone' | 'ended' | 'empty'> {
    const controller = new AbortController();
    this.current = controller;
    let gone = false;
    let lines = 0;
    let failure: unknown;
    await this.options.transport.stream(
      {
        method: 'GET',
        path: resourcePath(resource, this.options.namespace),
        query: {
          ...this.options.query,
          watch: 'true',
          resourceVersion: this.resourceVersion || undefined,
          allowWatchBookmarks: 'true',
        },
        signal: controller.signal,
      },
      (line) => {
        if (this.stopped || gone || failure) return;
        lines++;
        const { type, object } = line as { type?: string; object?: KubeObject & { code?: number } };
        if (type === 'ERROR') {
          if (object?.code === 410) gone = true;
          else {
            const status = object as { code?: number; reason?: string; message?: string } | undefined;
            failure = new KubeApiError(
              'WATCH',
              resourcePath(resource, this.options.namespace),
              status?.code ?? 500,
              status?.reason ?? 'Unknown',
              status?.message ?? 'ERROR event',
            );
          }
          controller.abort();
          return;
        }
        if (!object?.metadata) return;
        const version = object.metadata.resourceVersion;
        if (version) this.resourceVersion = version;
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') {
          this.options.handlers.onEvent(type, withType(object, resource));
        }
      },
    );
    if (this.current === controller) this.current = undefined;
    if (failure) throw failure;
    if (gone) return 'gone';
    return lines === 0 ? 'empty' : 'ended';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
