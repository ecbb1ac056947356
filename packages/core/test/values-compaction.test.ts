import { describe, expect, it } from 'vitest';
import type { ValuesPatchOp } from '../src/values/json-patch.js';
import { applyStoredPatches, compactPatches } from '../src/values/patch-compaction.js';

const add = (path: string, value: unknown): ValuesPatchOp => ({ op: 'add', path, value });
const remove = (path: string): ValuesPatchOp => ({ op: 'remove', path });

describe('accumulated patch compaction', () => {
  it('TV-43 a new add on a parent drops the stored operations below it', () => {
    const stored = compactPatches([], [add('/m/settings', { p1: {} }), add('/m/settings/p1/f1', 'foo')]);
    expect(compactPatches(stored, [add('/m/settings', {})])).toEqual([add('/m/settings', {})]);
  });

  it('AO-87 add /g/a {b:1}, add /g/a/c 2, then add /g/a {} leaves only add /g/a {}', () => {
    let stored: ValuesPatchOp[] = [];
    stored = compactPatches(stored, [add('/g/a', { b: 1 })]);
    stored = compactPatches(stored, [add('/g/a/c', 2)]);
    expect(stored).toEqual([add('/g/a', { b: 1 }), add('/g/a/c', 2)]);
    stored = compactPatches(stored, [add('/g/a', {})]);
    expect(stored).toEqual([add('/g/a', {})]);
  });

  it('keeps only the last operation per path and sorts by path', () => {
    const stored = compactPatches(
      [add('/m/z', 1), add('/m/b', 1)],
      [add('/m/z', 2), remove('/m/b'), add('/m/a', 3), add('/m/ab', 4), add('/m/a~1b', 5)],
    );
    // byte order: 'b' (0x62) sorts before '~' (0x7e)
    expect(stored).toEqual([
      add('/m/a', 3),
      add('/m/ab', 4),
      add('/m/a~1b', 5),
      remove('/m/b'),
      add('/m/z', 2),
    ]);
  });

  it('a remove on a parent drops stored sub-paths but not siblings sharing a prefix', () => {
    const stored = compactPatches([add('/m/a', {}), add('/m/a/x', 1), add('/m/ab', 2)], [remove('/m/a')]);
    expect(stored).toEqual([remove('/m/a'), add('/m/ab', 2)]);
  });

  it('a test operation replaces the stored operation on its path but drops nothing below', () => {
    const stored = compactPatches(
      [add('/m/a', { x: 1 }), add('/m/a/x', 2)],
      [{ op: 'test', path: '/m/a', value: {} }],
    );
    expect(stored).toEqual([{ op: 'test', path: '/m/a', value: {} }, add('/m/a/x', 2)]);
  });

  it('does not mutate its inputs', () => {
    const stored = [add('/m/a/b', 1)];
    const added = [add('/m/a', {})];
    const before = JSON.stringify([stored, added]);
    compactPatches(stored, added);
    expect(JSON.stringify([stored, added])).toBe(before);
  });

  it('re-application ignores removes of missing paths and still fails other errors', () => {
    const doc = { m: { a: 1 } };
    expect(applyStoredPatches(doc, [remove('/m/missing'), remove('/m/x/y'), add('/m/b', 2)])).toEqual({
      m: { a: 1, b: 2 },
    });
    expect(doc).toEqual({ m: { a: 1 } });
    expect(() => applyStoredPatches(doc, [add('/m/x/y', 1)])).toThrowError(/parent path does not exist/);
  });
});
