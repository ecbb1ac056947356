import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConvergeEvent, StoreCorruptionError } from '@converge/protocol';
import { JsonlEventWriter, MemoryEventStore, readJsonlLog, writeJsonlLog } from '@converge/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { sampleEvent } from './event-store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'converge-jsonl-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const tempPath = () => join(root, `log-${++counter}.jsonl`);

const recorded = (n: number): ConvergeEvent[] =>
  new MemoryEventStore().append(Array.from({ length: n }, (_, i) => sampleEvent(i)));

/** Catches what `fn` throws, failing the test if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('JsonlEventWriter', () => {
  it('creates the file 0600 and missing directories 0700', async () => {
    const dir = join(root, 'new', 'dir');
    const path = join(dir, 'events.jsonl');
    const writer = new JsonlEventWriter(path, { append: true });
    writer.append(recorded(1));
    await writer.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'new')).mode & 0o777).toBe(0o700);
  });

  it('appending keeps what the file holds and reports the seq of its last line', async () => {
    const path = tempPath();
    const events = recorded(5);
    await writeJsonlLog(path, events.slice(0, 3));
    const writer = new JsonlEventWriter(path, { append: true });
    expect(writer.lastSeq).toBe(3);
    writer.append(events.slice(3));
    await writer.close();
    expect(await readJsonlLog(path)).toEqual({ events, problems: [] });
    expect(new JsonlEventWriter(tempPath(), { append: true }).lastSeq).toBe(0);
  });

  it('a complete last line without its newline gets one before the next event', async () => {
    const path = tempPath();
    const events = recorded(3);
    writeFileSync(path, `${JSON.stringify(events[0])}\n${JSON.stringify(events[1])}`);
    const writer = new JsonlEventWriter(path, { append: true });
    expect(writer.lastSeq).toBe(2);
    writer.append(events[2]);
    await writer.close();
    expect(await readJsonlLog(path)).toEqual({ events, problems: [] });
  });

  it('a torn last line is StoreCorruptionError naming the file and line, and nothing is written', async () => {
    const path = tempPath();
    const events = recorded(3);
    await writeJsonlLog(path, events.slice(0, 2));
    appendFileSync(path, '{"seq":3,"at":"2026');
    const before = readFileSync(path, 'utf8');
    const error = thrown(() => new JsonlEventWriter(path, { append: true })) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(3);
    expect(error.message).toBe(
      `${path}:3: torn last line (no trailing newline, not valid JSON); the last line must be a whole event before more are appended`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('an invalid last event is refused too, with its line counted past blank lines and long files', async () => {
    const path = tempPath();
    const events = recorded(2000);
    const { error: _dropped, ...broken } = events[1] as ConvergeEvent & { error?: string };
    writeFileSync(
      path,
      `${events
        .slice(0, 1999)
        .map((e) => JSON.stringify(e))
        .join('\n')}\n\n${JSON.stringify({ ...broken, seq: 2000 })}\n\n`,
    );
    const error = thrown(() => new JsonlEventWriter(path, { append: true })) as StoreCorruptionError;
    expect(error.seq).toBe(2000);
    expect(error.message).toMatch(new RegExp(`^${path}:2001: invalid event: error: is required`));
  });
});
