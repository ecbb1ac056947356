import { createHash } from 'node:crypto';
import { type ConvergeEvent, StoreCorruptionError } from '@converge/protocol';

/** How events and snapshots are kept in SQLite rows, and how a bad row is reported. */

export interface EventRow {
  seq: number;
  type: string;
  at: string;
  json: string;
  checksum: string;
}

export interface SnapshotRow {
  seq: number;
  json: string;
  checksum: string;
}

/** SHA-256 (hex) of a row's JSON text. */
export function rowChecksum(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/**
 * The event an events row holds. Throws StoreCorruptionError at the row's seq when its JSON does
 * not match its checksum, does not parse, or is the event of another seq or type.
 */
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

/** The `{seq, state}` a snapshots row holds; throws StoreCorruptionError at its seq when it is bad. */
export function decodeSnapshotRow(row: SnapshotRow, source: string): { seq: number; state: unknown } {
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

/** SQLite's own corruption codes (SQLITE_CORRUPT, SQLITE_NOTADB) as StoreCorruptionError. */
export function corruptionFromSqlite(
  e: unknown,
  seq: number,
  context: string,
): StoreCorruptionError | undefined {
  if (e instanceof StoreCorruptionError) return e;
  const code = (e as { errcode?: unknown } | null)?.errcode;
  if (typeof code !== 'number') return undefined;
  const primary = code & 0xff;
  if (primary !== 11 && primary !== 26) return undefined;
  return new StoreCorruptionError(`${context}: ${e instanceof Error ? e.message : String(e)}`, seq, {
    cause: e,
  });
}
