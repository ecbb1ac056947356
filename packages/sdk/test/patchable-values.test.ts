import { applyPatchOps, normalizePatchOps } from '@converge/core';
import { describe, expect, it } from 'vitest';
import { PatchableValues, SdkUsageError } from '../src/index.js';

describe('PatchableValues', () => {
  it('TV-86 Get does not see Set; remove of a missing path is dropped; ops in call order', () => {
    const values = new PatchableValues({ global: {}, myModule: { a: { b: 1 } } });
    values.set('myModule.a.c', [1, 2]);
    values.remove('myModule.a.b');
    values.remove('myModule.nope');
    expect(values.exists('myModule.a.c')).toBe(false);
    expect(values.get('myModule.a.c')).toBeUndefined();
    expect(values.getOk('myModule.a.c')).toEqual({ value: undefined, ok: false });
    expect(JSON.stringify(values.patch())).toBe(
      '[{"op":"add","path":"/myModule/a/c","value":[1,2]},{"op":"remove","path":"/myModule/a/b"}]',
    );
  });

  it('TV-86 Get reads the input even after Remove; a removed-then-set path still reads the input', () => {
    const values = new PatchableValues({ myModule: { a: { b: 1 } } });
    values.remove('myModule.a.b');
    values.set('myModule.a.b', 2);
    expect(values.get('myModule.a.b')).toBe(1);
    expect(values.patch()).toEqual([
      { op: 'remove', path: '/myModule/a/b' },
      { op: 'add', path: '/myModule/a/b', value: 2 },
    ]);
  });

  it('reads gjson-style paths: array indices, # counts, escaped dots, null exists', () => {
    const values = new PatchableValues({
      m: { list: [{ n: 'x' }, { n: 'y' }], 'dotted.key': 5, nothing: null },
    });
    expect(values.get('m.list.1.n')).toBe('y');
    expect(values.get('m.list.#')).toBe(2);
    expect(values.arrayCount('m.list')).toBe(2);
    expect(values.arrayCount('m.nothing')).toBe(0);
    expect(values.get('m.dotted\\.key')).toBe(5);
    expect(values.getOk('m.nothing')).toEqual({ value: null, ok: true });
    expect(values.exists('m.list.2')).toBe(false);
    expect(values.firstDefined('m.absent', 'm.list.0.n')).toBe('x');
  });

  it('copies: mutating the input, a got value or a set value later changes nothing', () => {
    const input = { m: { obj: { k: 1 } } };
    const values = new PatchableValues(input);
    input.m.obj.k = 2;
    const got = values.get('m.obj') as { k: number };
    got.k = 3;
    const later = { v: 1 };
    values.set('m.later', later);
    later.v = 2;
    expect(values.get('m.obj')).toEqual({ k: 1 });
    expect(values.patch()).toEqual([{ op: 'add', path: '/m/later', value: { v: 1 } }]);
  });

  it('set with undefined writes null; an empty path is a typed error', () => {
    const values = new PatchableValues({});
    values.set('m.x', undefined);
    expect(values.patch()).toEqual([{ op: 'add', path: '/m/x', value: null }]);
    expect(() => values.get('')).toThrow(SdkUsageError);
  });
});

describe('PatchableValues.edit (an immer draft of the input)', () => {
  const input = () => ({
    global: { enabled: ['a'] },
    myModule: { replicas: 1, list: [1, 2, 3], 'a/b~c': 'x', tls: { enabled: false } },
  });

  it('queues the RFC 6902 operations of the edit, which turn the input into the edited document', () => {
    const values = new PatchableValues(input());
    values.edit((v) => {
      const m = v.myModule as ReturnType<typeof input>['myModule'];
      m.replicas = 3;
      m.list.pop();
      delete (m as Record<string, unknown>)['a/b~c'];
      (m as Record<string, unknown>).added = { deep: [true] };
      (m as Record<string, unknown>).gone = undefined;
    });
    const patch = values.patch();
    // The order is immer's; applied in that order the operations give the edited document.
    expect(patch).toHaveLength(5);
    expect(patch).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/myModule/replicas', value: 3 },
        { op: 'remove', path: '/myModule/list/2' },
        { op: 'remove', path: '/myModule/a~1b~0c' },
        { op: 'add', path: '/myModule/added', value: { deep: [true] } },
        { op: 'add', path: '/myModule/gone', value: null },
      ]),
    );
    const applied = applyPatchOps(input(), normalizePatchOps(patch), 'strict');
    expect(applied.myModule).toEqual({
      replicas: 3,
      list: [1, 2],
      tls: { enabled: false },
      added: { deep: [true] },
      gone: null,
    });
  });

  it('reads still see the input, an edit after set starts from the input too, and a no-op edit queues nothing', () => {
    const source = input();
    const values = new PatchableValues(source);
    values.set('myModule.replicas', 2);
    values.edit((v) => {
      expect((v.myModule as { replicas: number }).replicas).toBe(1);
      (v.myModule as { tls: { enabled: boolean } }).tls.enabled = true;
    });
    values.edit((v) => {
      (v.myModule as { replicas: number }).replicas = 1;
    });
    expect(values.get('myModule.tls.enabled')).toBe(false);
    expect(values.patch()).toEqual([
      { op: 'add', path: '/myModule/replicas', value: 2 },
      { op: 'replace', path: '/myModule/tls/enabled', value: true },
    ]);
    expect(source).toEqual(input());
  });
});
