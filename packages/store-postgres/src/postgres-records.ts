import type { StoreRecords } from '@converge/core';
import { StoreCorruptionError } from '@converge/protocol';
import type { WorkerCall } from './worker-protocol.js';

/**
 * `StoreRecords` of one stream, in the `records` table keyed by (stream, key). Each `put` or
 * `delete` is one transaction that checks the writer's lease epoch, like an append, and is
 * committed when it returns; a reader reads them and refuses writes. A writer that lost its lease
 * writes no record either, but `put` and `delete` do not throw StoreFencedError: they run in
 * callbacks (a hook process ending, an object applied) where a throw could end the process; the
 * store's `onFenced` and its next append tell the loss.
 */
export class PostgresRecords implements StoreRecords {
  constructor(
    private readonly call: <T>(request: WorkerCall) => T,
    private readonly store: number,
    private readonly assertWritable: () => void,
    private readonly assertOpen: () => void,
    private readonly isFenced: () => boolean,
  ) {}

  /** The record's value (parsed from its JSON), or undefined for a missing key. */
  get(key: string): unknown {
    this.assertOpen();
    const text = this.call<string | undefined>({ op: 'getRecord', store: this.store, key });
    if (text === undefined || text === null) return undefined;
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new StoreCorruptionError(`record ${JSON.stringify(key)} is not valid JSON`, 0, { cause: e });
    }
  }

  /** Replaces the record; throws TypeError for a value JSON cannot hold (undefined, a function). */
  put(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (typeof text !== 'string')
      throw new TypeError(`record ${JSON.stringify(key)}: ${typeof value} cannot be stored as JSON`);
    this.write(key, text);
  }

  delete(key: string): void {
    this.write(key, null);
  }

  private write(key: string, json: string | null): void {
    if (this.isFenced()) return;
    this.assertWritable();
    try {
      this.call({ op: 'putRecord', store: this.store, key, json });
    } catch (e) {
      if ((e as { code?: string }).code !== 'STORE_FENCED') throw e;
    }
  }

  /** Keys that start with `prefix`, sorted as JavaScript sorts strings (like the other stores). */
  keys(prefix = ''): string[] {
    this.assertOpen();
    return this.call<string[]>({ op: 'recordKeys', store: this.store, prefix }).sort();
  }
}
