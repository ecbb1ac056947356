import type { StoreHolder } from '@converge/protocol';
import type { SerializedError } from './worker-errors.js';

/** Messages between PostgresEventStore (main thread) and its worker (postgres-worker.ts). */

export interface OpenRequest {
  op: 'open';
  id: number;
  store: number;
  url: string;
  schema: string;
  stream: string;
  source: string;
  readOnly: boolean;
  owner: string;
  durationMs: number;
  holder?: StoreHolder;
  /** A lease the caller holds (fleet); else the store acquires and renews its own. */
  lease?: { owner: string; epoch: number };
  /** Rows checked on open; -1 checks every row. */
  tailCheck: number;
}

export type WorkerRequest =
  | OpenRequest
  | {
      op: 'append';
      id: number;
      store: number;
      first: number;
      types: string[];
      ats: string[];
      jsons: string[];
    }
  | { op: 'read'; id: number; store: number; fromSeq: number }
  | { op: 'head'; id: number; store: number }
  | { op: 'saveSnapshot'; id: number; store: number; seq: number; json: string }
  | { op: 'loadSnapshot'; id: number; store: number }
  | { op: 'getRecord'; id: number; store: number; key: string }
  | { op: 'putRecord'; id: number; store: number; key: string; json: string | null }
  | { op: 'recordKeys'; id: number; store: number; prefix: string }
  | { op: 'close'; id: number; store: number }
  | { op: 'shutdown'; id: number };

/** The distributive Omit of a request's `id`, which the bridge assigns. */
export type WorkerCall = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'id'>
    : never
  : never;

export type WorkerResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: SerializedError };

/** Told by the worker outside any request. */
export type WorkerNotice = { type: 'fenced'; store: number; error: SerializedError };
