import type { ConvergeEvent } from '@converge/protocol';
import pg from 'pg';
import { DEFAULT_STREAM } from './postgres-event-store.js';
import { readEvents, type StreamAt, streamHead } from './postgres-queries.js';
import { assertSchemaName, DEFAULT_SCHEMA, notifyChannel } from './postgres-schema.js';
import { redactPostgresUrl } from './postgres-url.js';

export interface FollowOptions {
  stream?: string;
  schema?: string;
  /** The first seq to hand over (default 1: the whole stream, then what is appended). */
  fromSeq?: number;
  /** Called for each event in seq order, each checked as `read` checks it. */
  onEvent(event: ConvergeEvent): void;
  /** Told about a failed read or a lost connection; following stops after a lost connection. */
  onError?(error: Error): void;
}

/** A running follower; `close()` stops it. */
export interface StreamFollower {
  close(): Promise<void>;
}

/** Events read per query while catching up. */
const PAGE = 1000;

/**
 * Follows one stream of a PostgreSQL store: hands over the events from `fromSeq` on, then each
 * batch a writer appends, as PostgreSQL announces it (LISTEN/NOTIFY on the store's channel; the
 * writer's append transaction sends the notification, which arrives once it is committed). It
 * listens before the first read, so no append falls between the two. Never writes; rejects with
 * StoreNotFoundError when the stream does not exist.
 */
export async function followPostgresStream(url: string, options: FollowOptions): Promise<StreamFollower> {
  const schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const stream = options.stream ?? DEFAULT_STREAM;
  const at: StreamAt = {
    schema,
    stream,
    source: `${redactPostgresUrl(url)} stream ${JSON.stringify(stream)}`,
  };
  const client = new pg.Client({ connectionString: url });
  let next = Math.max(1, Math.floor(options.fromSeq ?? 1));
  let closed = false;
  let reading: Promise<void> | undefined;
  let again = false;
  const report = (e: unknown) => options.onError?.(e instanceof Error ? e : new Error(String(e)));
  // One read at a time; a notification during a read makes it read once more. The loop's last
  // check and the reset run in one synchronous step, so no notification falls in between.
  const pump = (): Promise<void> => {
    if (reading) {
      again = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          again = false;
          const { events } = await readEvents(client, at, next, PAGE);
          for (const event of events) {
            if (closed) return;
            options.onEvent(event);
            next = event.seq + 1;
          }
          if (events.length === PAGE) again = true;
        } while (again && !closed);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  };
  client.on('notification', (message) => {
    if (closed || message.channel !== notifyChannel(schema)) return;
    if (!message.payload?.startsWith(`${stream}\n`)) return;
    pump().catch(report);
  });
  client.on('error', (e) => {
    if (!closed)
      report(new Error(`${at.source}: the connection to PostgreSQL was lost: ${e.message}`, { cause: e }));
  });
  await client.connect();
  try {
    await client.query(`LISTEN ${notifyChannel(schema)}`);
    await streamHead(client, at);
    await pump();
  } catch (e) {
    closed = true;
    await client.end().catch(() => {});
    throw e;
  }
  return {
    async close() {
      if (closed) return;
      closed = true;
      await reading?.catch(() => {});
      await client.end().catch(() => {});
    },
  };
}
