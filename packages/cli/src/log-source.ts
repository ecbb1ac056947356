import { resolve } from 'node:path';
import type { EventStore } from '@converge/core';
import { loadKubeConfig } from '@converge/kube';
import type { ConvergeEvent, StoreFencedError } from '@converge/protocol';
import { readJsonlLog } from '@converge/runtime';
import {
  DEFAULT_STREAM,
  followPostgresStream,
  isPostgresUrl,
  openPostgresEventReader,
  openPostgresEventStore,
} from '@converge/store-postgres';
import { openSqliteEventReader, openSqliteEventStore, parseSqliteUrl } from '@converge/store-sqlite';

export interface OpenStoreOptions {
  runId?: string;
  /** The stream of a PostgreSQL store (default `embedded`); a sqlite file holds one log. */
  stream?: string;
  /** Told when a PostgreSQL writer's stream was taken over by another writer. */
  onFenced?: (error: StoreFencedError) => void;
}

/**
 * Opens the event store a run writes: `sqlite:PATH` (created 0600, directories 0700, when
 * missing) or `postgres://…` (one stream of a shared database, under a fenced lease).
 * StoreLockedError while another writer holds it, naming the holder; StoreCorruptionError when
 * its last rows are corrupt.
 */
export function openStore(url: string, options: OpenStoreOptions = {}): EventStore {
  if (isPostgresUrl(url))
    return openPostgresEventStore(url, {
      stream: options.stream ?? DEFAULT_STREAM,
      ...(options.runId ? { runId: options.runId } : {}),
      ...(options.onFenced ? { onFenced: options.onFenced } : {}),
    });
  if (!url.startsWith('sqlite:'))
    throw new Error(`unsupported store ${JSON.stringify(url)}; use sqlite:PATH or postgres://…`);
  return openSqliteEventStore(parseSqliteUrl(url), options.runId ? { runId: options.runId } : {});
}

export interface ReadLogOptions {
  /** The stream of a PostgreSQL store (default `embedded`). */
  stream?: string;
}

/**
 * Reads a log given as a JSONL file, `sqlite:PATH` or `postgres://…` (with its stream),
 * read-only: it never waits for a writer and never creates anything (a missing store or stream
 * is StoreNotFoundError). Problems (a torn tail, an invalid line) are returned beside the valid
 * events, never dropped silently.
 */
export async function readLog(
  location: string,
  options: ReadLogOptions = {},
): Promise<{ events: ConvergeEvent[]; problems: string[] }> {
  if (location.startsWith('sqlite:') || isPostgresUrl(location)) {
    const store = openReader(location, options);
    try {
      return { events: store.read(1), problems: [] };
    } finally {
      await store.close();
    }
  }
  const { events, problems } = await readJsonlLog(location);
  return { events, problems: problems.map((p) => (p instanceof Error ? p.message : String(p))) };
}

function openReader(location: string, options: ReadLogOptions): EventStore {
  return isPostgresUrl(location)
    ? openPostgresEventReader(location, { stream: options.stream ?? DEFAULT_STREAM })
    : openSqliteEventReader(location);
}

export interface FollowLogOptions extends ReadLogOptions {
  /** The first seq to hand over (default 1). */
  fromSeq?: number;
  onEvent(event: ConvergeEvent): void;
  onError(error: Error): void;
}

/** How often a sqlite or JSONL log is looked at for new events (they have no notifications). */
const POLL_MS = 250;

/**
 * Follows a log: hands over its events from `fromSeq` on, then each one appended later, until
 * `close()`. PostgreSQL streams are followed through LISTEN/NOTIFY; a sqlite store or a JSONL file
 * is read again every 250 ms (read-only, from the last seq seen). Rejects when the log cannot be
 * read at all (StoreNotFoundError for a missing store or stream).
 */
export async function followLog(
  location: string,
  options: FollowLogOptions,
): Promise<{ close(): Promise<void> }> {
  if (isPostgresUrl(location))
    return followPostgresStream(location, {
      stream: options.stream ?? DEFAULT_STREAM,
      ...(options.fromSeq !== undefined ? { fromSeq: options.fromSeq } : {}),
      onEvent: options.onEvent,
      onError: options.onError,
    });
  let next = Math.max(1, options.fromSeq ?? 1);
  const store = location.startsWith('sqlite:') ? openSqliteEventReader(location) : undefined;
  const readNew = async (): Promise<ConvergeEvent[]> => {
    if (store) return store.read(next);
    const { events, problems } = await readJsonlLog(location);
    // A line being written is a torn tail for a moment: take the valid prefix, report nothing yet.
    if (problems.length > 0 && events.length === 0 && next === 1) throw problems[0];
    return events.filter((e) => e.seq >= next);
  };
  const deliver = (events: ConvergeEvent[]) => {
    for (const e of events) {
      options.onEvent(e);
      next = e.seq + 1;
    }
  };
  try {
    deliver(await readNew());
  } catch (e) {
    await store?.close();
    throw e;
  }
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    readNew()
      .then(deliver, (e) => options.onError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        busy = false;
      });
  }, POLL_MS);
  return {
    async close() {
      clearInterval(timer);
      await store?.close();
    },
  };
}

/**
 * The stream a run writes when `--stream` is not given: under `--cluster kube` the name of the kube
 * context it converges (`--context`, else `$KUBE_CONTEXT`, else the kubeconfig's current context),
 * else `embedded`. Only a PostgreSQL store has streams.
 */
export function defaultStream(
  o: { cluster: string; kubeconfig?: string; context?: string },
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (o.cluster !== 'kube') return DEFAULT_STREAM;
  if (o.context) return o.context;
  if (env.KUBE_CONTEXT) return env.KUBE_CONTEXT;
  try {
    const file = o.kubeconfig ?? (env.KUBE_CONFIG || undefined);
    return (
      loadKubeConfig({ ...(file ? { kubeconfig: resolve(file) } : {}), env }).getCurrentContext() ||
      DEFAULT_STREAM
    );
  } catch {
    // The cluster target reports a bad kubeconfig with its own message.
    return DEFAULT_STREAM;
  }
}
