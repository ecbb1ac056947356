import { createHash } from 'node:crypto';
import { type ConvergeEvent, StoreCorruptionError } from '@converge/protocol';

/**
 * How events and snapshots are kept in PostgreSQL rows and how a bad row is reported: the same
 * rules as the sqlite store (a SHA-256 of each row's JSON text, the row's seq and type inside its
 * JSON), so a flipped byte or a row moved to another seq is StoreCorruptionError naming the seq.
 */

export interface EventRow {
  seq: number;
  type: string;
  json: string;
  checksum: string;
}

/** SHA-256 (hex) of a row's JSON text. */
export function rowChecksum(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** The event an events row holds; StoreCorruptionError at its seq when the row is bad. */
export function decodeEventRow(row: EventRow, source: string): ConvergeEvent {
  const where = `${source}: seq ${row.seq}`;
  if (rowChecksum(row.json) !== row.checksum)
    throw new StoreCorruptionError(`${where}: checksum mismatch (torn or corrupt row)`, row.seq);
  let event: ConvergeEvent;
  try {
    event = JSON.parse(row.json);
  } catch (e) {
    throw new StoreCorruptionError(`${where}: not valid JSON`, row.seq, { cause: e });
  }
  if (event === null || typeof event !== 'object' || event.seq !== row.seq || event.type !== row.type)
    throw new StoreCorruptionError(
      `${where}: the row holds another event (seq ${String(event?.seq)})`,
      row.seq,
    );
  return event;
}

/** The `{seq, state}` a snapshots row holds; StoreCorruptionError at its seq when it is bad. */
export function decodeSnapshotRow(
  row: { seq: number; json: string; checksum: string },
  source: string,
): { seq: number; state: unknown } {
  const where = `${source}: snapshot at seq ${row.seq}`;
  if (rowChecksum(row.json) !== row.checksum)
    throw new StoreCorruptionError(`${where}: checksum mismatch (torn or corrupt row)`, row.seq);
  let parsed: { seq?: unknown; state?: unknown };
  try {
    parsed = JSON.parse(row.json);
  } catch (e) {
    throw new StoreCorruptionError(`${where}: not valid JSON`, row.seq, { cause: e });
  }
  if (parsed?.seq !== row.seq)
    throw new StoreCorruptionError(`${where}: holds the snapshot of seq ${String(parsed?.seq)}`, row.seq);
  return { seq: row.seq, state: parsed.state };
}

/**
 * Checks rows read from `from` on against the stream's head: each seq in turn, none beyond the
 * head, none missing before it. Returns the decoded events; throws StoreCorruptionError.
 */
export function decodeEventRows(
  rows: readonly EventRow[],
  from: number,
  head: number,
  source: string,
): ConvergeEvent[] {
  const out: ConvergeEvent[] = [];
  let expected = from;
  for (const row of rows) {
    if (row.seq !== expected)
      throw new StoreCorruptionError(
        `${source}: seq ${expected} is missing (the next stored row is seq ${row.seq})`,
        expected,
      );
    if (row.seq > head)
      throw new StoreCorruptionError(
        `${source}: seq ${row.seq} is stored beyond the recorded last seq ${head}`,
        row.seq,
      );
    out.push(decodeEventRow(row, source));
    expected += 1;
  }
  if (expected <= head)
    throw new StoreCorruptionError(
      `${source}: seq ${expected}${expected < head ? `..${head}` : ''} missing (last seq is ${head})`,
      expected,
    );
  return out;
}
