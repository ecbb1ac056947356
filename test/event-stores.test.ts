import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  type ConvergeEvent,
  EventVersionError,
  eventUpcasters,
  StoreCorruptionError,
  upcastEvent,
} from '@converge/protocol';
import {
  JsonlEventWriter,
  MemoryEventStore,
  parseJsonlLog,
  readJsonlLog,
  readJsonlLogStrict,
} from '@converge/runtime';
import {
  isSqliteUrl,
  openSqliteEventReader,
  openSqliteEventStore,
  parseSqliteUrl,
  parseStoreUrl,
  rowChecksum,
  SqliteEventStore,
} from '@converge/store-sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { withoutSqliteExperimentalWarning } from '../packages/store-sqlite/src/load-sqlite.js';
import { eventStoreConformance, sampleEvent } from './event-store-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'converge-stores-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const tempPath = (ext: string) => join(root, `store-${++counter}.${ext}`);

eventStoreConformance('MemoryEventStore', () => ({ store: new MemoryEventStore() }));

eventStoreConformance(
  'SqliteEventStore',
  () => {
    const path = tempPath('sqlite');
    return {
      store: openSqliteEventStore(path),
      reopen: () => openSqliteEventStore(path),
      reader: () => openSqliteEventReader(path),
    };
  },
  { durable: true },
);

/** Catches what `fn` throws, failing the test if it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

describe('MemoryEventStore', () => {
  it('reports a throwing subscriber to onListenerError with the event', () => {
    const reported: [string, number][] = [];
    const store = new MemoryEventStore({
      onListenerError: (error, event) => reported.push([(error as Error).message, event.seq]),
    });
    store.subscribe(() => {
      throw new Error('bug');
    });
    store.append([sampleEvent(0), sampleEvent(1)]);
    expect(reported).toEqual([
      ['bug', 1],
      ['bug', 2],
    ]);
  });
});

describe('SqliteEventStore corruption', () => {
  /** A store with `n` events, closed, and a raw connection to edit its file. */
  async function seeded(n: number) {
    const path = tempPath('sqlite');
    const store = openSqliteEventStore(path);
    store.append(Array.from({ length: n }, (_, i) => sampleEvent(i)));
    await store.close();
    const raw = new DatabaseSync(path);
    return { path, raw };
  }

  it('a row whose JSON bytes were flipped makes read throw StoreCorruptionError with its seq', async () => {
    const { path, raw } = await seeded(8);
    raw.exec(`UPDATE events SET json = replace(json, '"seq":5', '"seq":6') WHERE seq = 5`);
    raw.close();
    const store = openSqliteEventReader(path);
    const error = thrown(() => store.read());
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect((error as StoreCorruptionError).seq).toBe(5);
    expect((error as Error).message).toMatch(/seq 5: checksum mismatch/);
    expect(() => store.read(3)).toThrow(StoreCorruptionError);
    expect(store.read(6).map((e) => e.seq)).toEqual([6, 7, 8]);
    await store.close();
  });

  it('a single changed character inside a payload string is detected too', async () => {
    const { path, raw } = await seeded(4);
    raw.exec(`UPDATE events SET json = replace(json, 'boom', 'bOom') WHERE seq = 2`);
    raw.close();
    const store = openSqliteEventReader(path);
    expect((thrown(() => store.read()) as StoreCorruptionError).seq).toBe(2);
    await store.close();
  });

  it("a row holding another row's event (checksum intact) is reported at its seq", async () => {
    const { path, raw } = await seeded(5);
    raw.exec(`UPDATE events SET json = (SELECT json FROM events WHERE seq = 3),
      checksum = (SELECT checksum FROM events WHERE seq = 3) WHERE seq = 4`);
    raw.close();
    const store = openSqliteEventReader(path);
    const error = thrown(() => store.read()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(4);
    await store.close();
  });

  it('a deleted middle row is reported as a gap at the missing seq', async () => {
    const { path, raw } = await seeded(6);
    raw.exec('DELETE FROM events WHERE seq = 3');
    raw.close();
    const store = openSqliteEventReader(path);
    const error = thrown(() => store.read()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(3);
    expect(error.message).toMatch(/seq 3 is missing/);
    expect(store.read(4).map((e) => e.seq)).toEqual([4, 5, 6]);
    await store.close();
  });

  it('deleted last rows are reported as a lost tail, not a shorter log', async () => {
    const { path, raw } = await seeded(6);
    raw.exec('DELETE FROM events WHERE seq >= 5');
    raw.close();
    const store = openSqliteEventReader(path);
    expect(store.lastSeq()).toBe(6);
    const error = thrown(() => store.read()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(5);
    expect(error.message).toMatch(/seq 5\.\.6 missing/);
    await store.close();
  });

  it('a corrupt snapshot makes loadSnapshot throw StoreCorruptionError with its seq', async () => {
    const path = tempPath('sqlite');
    const store = openSqliteEventStore(path);
    store.append([sampleEvent(0), sampleEvent(1), sampleEvent(2)]);
    store.saveSnapshot({ seq: 2, state: { modules: { a: 'ready' } } });
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec(`UPDATE snapshots SET json = replace(json, 'ready', 'READY')`);
    raw.close();
    const again = openSqliteEventStore(path);
    const error = thrown(() => again.loadSnapshot()) as StoreCorruptionError;
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect(error.seq).toBe(2);
    expect(again.read().length).toBe(3);
    await again.close();
  });

  it('a file that is not a database is StoreCorruptionError on open', () => {
    const path = tempPath('sqlite');
    writeFileSync(path, 'this is not a sqlite database, just text that is long enough to have a header');
    const error = thrown(() => openSqliteEventStore(path));
    expect(error).toBeInstanceOf(StoreCorruptionError);
    expect((error as Error).message).toContain(path);
  });

  it('a batch with a row that cannot be stored stores nothing, and seqs stay gap-free', async () => {
    const store = openSqliteEventStore(tempPath('sqlite'));
    store.append([sampleEvent(0)]);
    const bad = { ...sampleEvent(1), at: undefined } as unknown as ReturnType<typeof sampleEvent>;
    expect(() => store.append([sampleEvent(2), bad])).toThrow();
    expect(store.lastSeq()).toBe(1);
    expect(store.read().map((e) => e.seq)).toEqual([1]);
    expect(store.append([sampleEvent(3)])[0].seq).toBe(2);
    expect(store.read().map((e) => e.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('uses WAL mode and keeps a SHA-256 checksum beside each row', async () => {
    const { raw } = await seeded(2);
    expect(raw.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    const row = raw.prepare('SELECT seq, type, at, json, checksum FROM events WHERE seq = 2').get() as Record<
      string,
      unknown
    >;
    expect(row.type).toBe('HookFailed');
    expect(JSON.parse(row.json as string)).toMatchObject({ seq: 2, type: 'HookFailed' });
    expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
    raw.close();
  });
});

describe('SqliteEventStore.verify', () => {
  it('a clean store verifies with no problems', async () => {
    const store = openSqliteEventStore(tempPath('sqlite'));
    store.append(Array.from({ length: 12 }, (_, i) => sampleEvent(i)));
    store.saveSnapshot({ seq: 10, state: { ok: true } });
    expect(store.verify()).toEqual({ checked: 12, lastSeq: 12, problems: [] });
    await store.close();
  });

  it('a row with an intact checksum but an invalid event is found by verify, not by read', async () => {
    const path = tempPath('sqlite');
    const store = openSqliteEventStore(path);
    store.append(Array.from({ length: 4 }, (_, i) => sampleEvent(i)));
    await store.close();
    const raw = new DatabaseSync(path);
    const json = JSON.stringify({
      seq: 3,
      at: 'x',
      v: 1,
      type: 'ValuesChanged',
      scope: 'global',
      patch: 'nope',
    });
    raw.prepare('UPDATE events SET json = ?, checksum = ? WHERE seq = 3').run(json, rowChecksum(json));
    raw.close();
    const again = openSqliteEventStore(path);
    expect(again.read().map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const { checked, problems } = again.verify();
    expect(checked).toBe(4);
    expect(problems.map((p) => p.seq)).toEqual([3]);
    expect(problems[0]).toBeInstanceOf(StoreCorruptionError);
    expect(problems[0].message).toMatch(/seq 3: invalid event: .*patch/);
    await again.close();
  });

  it('verify lists every problem in seq order: corrupt rows, gaps, a lost tail and a bad snapshot', async () => {
    const path = tempPath('sqlite');
    const store = openSqliteEventStore(path);
    store.append(Array.from({ length: 10 }, (_, i) => sampleEvent(i)));
    store.saveSnapshot({ seq: 5, state: { a: 1 } });
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec(`UPDATE events SET json = replace(json, '"seq":2', '"seq":9') WHERE seq = 2`);
    raw.exec('DELETE FROM events WHERE seq IN (4, 5, 9, 10)');
    raw.exec(`UPDATE snapshots SET checksum = 'bad'`);
    raw.close();
    const again = openSqliteEventReader(path);
    const { checked, lastSeq, problems } = again.verify();
    expect({ checked, lastSeq }).toEqual({ checked: 6, lastSeq: 10 });
    expect(problems.map((p) => p.seq)).toEqual([2, 4, 9, 5]);
    expect(problems.map((p) => p.message.slice(path.length + 2))).toEqual([
      'seq 2: checksum mismatch (torn or corrupt row)',
      'seq 4..5 missing (the next stored row is seq 6)',
      'seq 9..10 missing (last seq is 10)',
      'snapshot at seq 5: checksum mismatch (torn or corrupt row)',
    ]);
    await again.close();
  });
});

describe('upcastEvent', () => {
  const v1 = { seq: 1, at: '2026-01-01T00:00:00.000Z', v: 1, type: 'ModuleReady', module: 'a' };

  it('is the identity for current (v1) events, and this release registers no upcasters', () => {
    expect(eventUpcasters).toEqual({});
    expect(upcastEvent(v1)).toBe(v1);
  });

  it('lifts an old event step by step, setting v after each step, without mutating the input', () => {
    const steps: string[] = [];
    const upcasters = {
      ModuleReady: {
        1: (e: Record<string, unknown>) => {
          steps.push(`1->2 v=${e.v}`);
          return { ...e, renamed: e.module };
        },
        2: (e: Record<string, unknown>) => {
          steps.push(`2->3 v=${e.v}`);
          return { ...e, third: true };
        },
      },
    };
    const out = upcastEvent(v1, { upcasters, versions: { ModuleReady: 3 } });
    expect(out).toEqual({ ...v1, v: 3, renamed: 'a', third: true });
    expect(steps).toEqual(['1->2 v=1', '2->3 v=2']);
    expect(v1.v).toBe(1);
  });

  it('a version newer than this release is an EventVersionError', () => {
    const error = thrown(() => upcastEvent({ ...v1, v: 4 })) as EventVersionError;
    expect(error).toBeInstanceOf(EventVersionError);
    expect(error).toMatchObject({ code: 'EVENT_VERSION', type: 'ModuleReady', version: 4, current: 1 });
    expect(error.message).toBe('v 4 of ModuleReady is newer than this release reads (v 1)');
  });

  it('leaves what it cannot judge (unknown type, no v) for validation to report', () => {
    const unknown = { ...v1, type: 'SomethingNew', v: 9 };
    expect(upcastEvent(unknown)).toBe(unknown);
    const { v: _v, ...noVersion } = v1;
    expect(upcastEvent(noVersion)).toBe(noVersion);
  });
});

describe('sqlite locations', () => {
  it('parseStoreUrl takes sqlite:PATH and memory:, and rejects anything else', () => {
    expect(parseStoreUrl('sqlite:run/events.db')).toEqual({ kind: 'sqlite', path: 'run/events.db' });
    expect(parseStoreUrl('sqlite:///var/lib/x.db')).toEqual({ kind: 'sqlite', path: '/var/lib/x.db' });
    expect(parseStoreUrl('memory:')).toEqual({ kind: 'memory' });
    expect(() => parseStoreUrl('events.db')).toThrow(/expected sqlite:PATH or memory:/);
    expect(() => parseStoreUrl('sqlite:')).toThrow(/no path/);
  });

  it('parses sqlite:PATH and sqlite:///abs/path, and rejects other strings', () => {
    expect(isSqliteUrl('sqlite:events.db')).toBe(true);
    expect(isSqliteUrl('events.jsonl')).toBe(false);
    expect(parseSqliteUrl('sqlite:events.db')).toBe('events.db');
    expect(parseSqliteUrl('sqlite:/var/lib/x.db')).toBe('/var/lib/x.db');
    expect(parseSqliteUrl('sqlite:///var/lib/x.db')).toBe('/var/lib/x.db');
    expect(() => parseSqliteUrl('sqlite:')).toThrow(/no path/);
    expect(() => parseSqliteUrl('postgres://x')).toThrow(/not a sqlite store location/);
  });

  it('openSqliteEventStore takes a sqlite: location and creates missing directories', async () => {
    const path = join(root, 'nested', 'deeper', 'events.sqlite');
    const store = openSqliteEventStore(`sqlite:${path}`);
    expect(store).toBeInstanceOf(SqliteEventStore);
    store.append([sampleEvent(0)]);
    await store.close();
    const again = openSqliteEventStore(path);
    expect(again.read().map((e) => e.type)).toEqual(['ModuleReady']);
    await again.close();
  });

  it('swallows only the SQLite ExperimentalWarning while loading node:sqlite', () => {
    const seen: string[] = [];
    const original = process.emitWarning;
    // A recorder stands in for Node's emitWarning, so nothing reaches stderr.
    process.emitWarning = ((message: string, type: string) => {
      seen.push(`${type}: ${message}`);
    }) as typeof process.emitWarning;
    try {
      withoutSqliteExperimentalWarning(() => {
        process.emitWarning(
          'SQLite is an experimental feature and might change at any time',
          'ExperimentalWarning',
        );
        process.emitWarning('something else', 'ExperimentalWarning');
        process.emitWarning('SQLite custom', 'CustomWarning');
      });
      process.emitWarning('SQLite after the load', 'ExperimentalWarning');
    } finally {
      process.emitWarning = original;
    }
    expect(seen).toEqual([
      'ExperimentalWarning: something else',
      'CustomWarning: SQLite custom',
      'ExperimentalWarning: SQLite after the load',
    ]);
  });

  it('opening and appending from plain Node prints nothing on stdout or stderr', () => {
    const path = tempPath('sqlite');
    const script = `import { openSqliteEventStore } from '@converge/store-sqlite';
const s = openSqliteEventStore(${JSON.stringify(path)});
s.append([{ type: 'ModuleReady', module: 'a', at: '2026-01-01T00:00:00.000Z' }]);
await s.close();`;
    const result = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: join(import.meta.dirname, '..'),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(result).toBe('');
    const store = openSqliteEventStore(path);
    expect(store.lastSeq()).toBe(1);
    return store.close();
  });
});

describe('JSONL event logs', () => {
  const recorded = (n: number): ConvergeEvent[] => {
    const store = new MemoryEventStore();
    return store.append(Array.from({ length: n }, (_, i) => sampleEvent(i)));
  };
  const lines = (events: ConvergeEvent[]) => events.map((e) => `${JSON.stringify(e)}\n`).join('');

  it('writes one flat event per line and reads the same events back', async () => {
    const path = tempPath('jsonl');
    const events = recorded(6);
    const writer = new JsonlEventWriter(path);
    writer.append(events[0]);
    writer.append(events.slice(1));
    await writer.close();
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n')).toHaveLength(7);
    expect(JSON.parse(text.split('\n')[1])).toEqual(events[1]);
    expect(await readJsonlLog(path)).toEqual({ events, problems: [] });
    expect(await readJsonlLogStrict(path)).toEqual(events);
    expect(() => writer.append(events[0])).toThrow(/closed/);
  });

  it('a torn last line is a problem at its seq; the valid prefix is still returned', async () => {
    const path = tempPath('jsonl');
    const events = recorded(4);
    writeFileSync(path, lines(events.slice(0, 3)) + JSON.stringify(events[3]).slice(0, 40));
    const { events: read, problems } = await readJsonlLog(path);
    expect(read).toEqual(events.slice(0, 3));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toBeInstanceOf(StoreCorruptionError);
    expect(problems[0].seq).toBe(4);
    expect(problems[0].message).toContain(`${path}:4: seq 4: torn last line`);
    await expect(readJsonlLogStrict(path)).rejects.toMatchObject({ seq: 4, code: 'STORE_CORRUPTION' });
  });

  it('a torn line without a seq is reported at the seq that should come next', () => {
    const events = recorded(2);
    const { events: read, problems } = parseJsonlLog(lines(events) + '{"ty');
    expect(read).toEqual(events);
    expect(problems.map((p) => p.seq)).toEqual([3]);
  });

  it('a complete last line without its newline is accepted', () => {
    const events = recorded(3);
    expect(parseJsonlLog(lines(events).slice(0, -1))).toEqual({ events, problems: [] });
  });

  it('an invalid line is reported with its seq, line and field; later lines are checked but not returned', async () => {
    const path = tempPath('jsonl');
    const events = recorded(5);
    const { error: _dropped, ...noError } = events[1] as ConvergeEvent & { error?: string };
    writeFileSync(
      path,
      lines([events[0]]) +
        `${JSON.stringify(noError)}\n` +
        lines([events[2]]) +
        'not json\n' +
        lines([events[4]]),
    );
    const { events: read, problems } = await readJsonlLog(path);
    expect(read).toEqual([events[0]]);
    expect(problems.map((p) => p.seq)).toEqual([2, 4]);
    expect(problems[0].message).toContain(`${path}:2: seq 2: invalid event: error: is required`);
    expect(problems[1].message).toContain(`${path}:4: seq 4: not valid JSON`);
    await expect(readJsonlLogStrict(path)).rejects.toMatchObject({ seq: 2 });
  });

  it('a gap in seqs is reported at the first missing seq', () => {
    const events = recorded(5);
    const { events: read, problems } = parseJsonlLog(lines([events[0], events[1], events[4]]));
    expect(read).toEqual(events.slice(0, 2));
    expect(problems).toHaveLength(1);
    expect(problems[0].seq).toBe(3);
    expect(problems[0].message).toMatch(/seqs 3\.\.4 are missing/);
  });

  it('a log may start after seq 1, and blank lines and CRLF endings are tolerated', () => {
    const events = recorded(4).slice(2);
    const text = events.map((e) => `${JSON.stringify(e)}\r\n`).join('\n');
    expect(parseJsonlLog(text)).toEqual({ events, problems: [] });
  });

  it('an event written by a newer release is a problem, not a guess', () => {
    const events = recorded(2);
    const newer = { ...events[1], v: 2 };
    const { problems } = parseJsonlLog(lines([events[0], newer as ConvergeEvent]));
    expect(problems.map((p) => p.seq)).toEqual([2]);
    expect(problems[0].message).toMatch(/v 2 of HookFailed is newer than this release reads/);
  });

  it('each line is lifted through the upcaster registry before validation', () => {
    // Pretend ModuleReady v1 called the field `moduleName` and v2 (today's shape) calls it `module`.
    const upcast = {
      versions: { ModuleReady: 2 },
      upcasters: {
        ModuleReady: {
          1: ({ moduleName, ...rest }: Record<string, unknown>) => ({ ...rest, module: moduleName }),
        },
      },
    };
    const v1 = { seq: 1, at: '2026-01-01T00:00:00.000Z', v: 1, type: 'ModuleReady', moduleName: 'a' };
    expect(parseJsonlLog(`${JSON.stringify(v1)}\n`, { upcast })).toEqual({
      events: [{ seq: 1, at: '2026-01-01T00:00:00.000Z', v: 2, type: 'ModuleReady', module: 'a' }],
      problems: [],
    });
  });

  it('an upcaster missing from the registry is a problem naming the line and seq', () => {
    const v1 = { seq: 7, at: '2026-01-01T00:00:00.000Z', v: 1, type: 'ModuleReady', module: 'a' };
    const { events, problems } = parseJsonlLog(`${JSON.stringify(v1)}\n`, {
      source: 'old.jsonl',
      upcast: { versions: { ModuleReady: 2 } },
    });
    expect(events).toEqual([]);
    expect(problems[0].message).toBe(
      'old.jsonl:1: seq 7: v 1 of ModuleReady has no upcaster to v 2; events from here on are not returned',
    );
  });
});
