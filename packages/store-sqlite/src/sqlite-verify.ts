import {
  type ConvergeEvent,
  checkStoredEvent,
  StoreCorruptionError,
  type UpcastOptions,
} from '@converge/protocol';
import { corruptionFromSqlite, decodeEventRow, type EventRow } from './sqlite-rows.js';

/** What `verify` found: how many rows it checked and every problem, in seq order. */
export interface StoreVerifyReport {
  checked: number;
  lastSeq: number;
  problems: StoreCorruptionError[];
}

/** What `verifyRows` reads: the store's rows in seq order, its recorded head and its snapshot. */
export interface VerifyInput {
  path: string;
  head: number;
  rows: () => Iterable<EventRow>;
  loadSnapshot: () => unknown;
  upcast: UpcastOptions;
}

/**
 * Checks every row (checksum, seq, gaps, a lost tail, the event's schema) and the snapshot,
 * collecting every problem as StoreCorruptionError in seq order instead of stopping at the first.
 */
export function verifyRows({ path, head, rows, loadSnapshot, upcast }: VerifyInput): StoreVerifyReport {
  const problems: StoreCorruptionError[] = [];
  let checked = 0;
  let expected = 1;
  try {
    for (const row of rows()) {
      checked += 1;
      if (row.seq > expected)
        problems.push(
          new StoreCorruptionError(
            `${path}: seq ${expected}${row.seq - 1 > expected ? `..${row.seq - 1}` : ''} missing (the next stored row is seq ${row.seq})`,
            expected,
          ),
        );
      expected = row.seq + 1;
      if (row.seq > head)
        problems.push(
          new StoreCorruptionError(
            `${path}: seq ${row.seq} is stored beyond the recorded last seq ${head}`,
            row.seq,
          ),
        );
      let event: ConvergeEvent;
      try {
        event = decodeEventRow(row, path);
      } catch (e) {
        if (!(e instanceof StoreCorruptionError)) throw e;
        problems.push(e);
        continue;
      }
      const valid = checkStoredEvent(event, upcast);
      if (!valid.ok)
        problems.push(new StoreCorruptionError(`${path}: seq ${row.seq}: ${valid.reason}`, row.seq));
    }
  } catch (e) {
    throw corruptionFromSqlite(e, expected, `${path}: reading seq ${expected} failed`) ?? e;
  }
  if (expected <= head)
    problems.push(
      new StoreCorruptionError(
        `${path}: seq ${expected}${expected < head ? `..${head}` : ''} missing (last seq is ${head})`,
        expected,
      ),
    );
  try {
    loadSnapshot();
  } catch (e) {
    if (!(e instanceof StoreCorruptionError)) throw e;
    problems.push(e);
  }
  return { checked, lastSeq: head, problems };
}
