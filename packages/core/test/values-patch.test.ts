import { isConvergeError, ValuesPatchError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import type { Values } from '../src/ports.js';
import type { ValuesPatchOp } from '../src/values/json-patch.js';
import { computeValues } from '../src/values/layering.js';
import { compactPatches } from '../src/values/patch-compaction.js';
import { applyHookPatch, checkPatchScope, splitEnabledOps } from '../src/values/values-patch.js';

function failure(fn: () => unknown): ValuesPatchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ValuesPatchError);
    expect(isConvergeError(e)).toBe(true);
    return e as ValuesPatchError;
  }
  throw new Error('expected a ValuesPatchError');
}

describe('TV-41 forbidden and failing operations (module my-module, values {"myModule":{"a":1}})', () => {
  const current = { a: 1 };
  const run = (ops: unknown[]) => applyHookPatch({ scope: 'myModule', kind: 'values', current, ops });

  it('TV-41 replace is rejected as an unsupported operation', () => {
    const e = failure(() => run([{ op: 'replace', path: '/myModule/a', value: 2 }]));
    expect(e.message).toContain("unsupported patch operation 'replace'");
    expect(e.path).toBe('/myModule/a');
  });

  it('TV-41 a foreign root key is unacceptable', () => {
    const e = failure(() => run([{ op: 'add', path: '/global/x', value: 1 }]));
    expect(e.message).toContain("unacceptable patch operation for path 'global' (only 'myModule' accepted)");
    expect(e.path).toBe('/global/x');
  });

  it('TV-41 removing a missing path fails (strict)', () => {
    const e = failure(() => run([{ op: 'remove', path: '/myModule/nope' }]));
    expect(e.message).toContain('path does not exist');
    expect(e.path).toBe('/myModule/nope');
  });

  it('TV-41 adding under a missing parent fails', () => {
    const e = failure(() => run([{ op: 'add', path: '/myModule/x/y', value: 1 }]));
    expect(e.message).toContain('parent path does not exist');
  });

  it('TV-41 move fails because from is dropped', () => {
    const e = failure(() => run([{ op: 'move', from: '/myModule/a', path: '/myModule/b' }]));
    expect(e.message).toContain("'move' needs 'from'");
  });

  it('TV-41 test succeeds without a change', () => {
    const r = run([{ op: 'test', path: '/myModule/a', value: 1 }]);
    expect(r.changed).toBe(false);
    expect(r.values).toEqual({ a: 1 });
  });

  it('TV-41 adding the same value succeeds and reports no change', () => {
    const r = run([{ op: 'add', path: '/myModule/a', value: 1 }]);
    expect(r.changed).toBe(false);
    expect(r.values).toEqual({ a: 1 });
  });

  it('a failing test operation fails the hook', () => {
    expect(failure(() => run([{ op: 'test', path: '/myModule/a', value: 2 }])).message).toContain(
      'test failed',
    );
  });
});

describe('applying a hook values patch', () => {
  it('applies add and remove, reports the change and the ops to store, mutates nothing', () => {
    const current = { a: 1, keep: { list: [1] } };
    const ops = [
      { op: 'add', path: '/myModule/b', value: { c: [1] }, extra: 'dropped' },
      { op: 'remove', path: '/myModule/a' },
      { op: 'add', path: '/myModule/keep/list/-', value: 2 },
    ];
    const before = JSON.stringify([current, ops]);
    const r = applyHookPatch({ scope: 'myModule', kind: 'values', current, ops });
    expect(r.changed).toBe(true);
    expect(r.values).toEqual({ b: { c: [1] }, keep: { list: [1, 2] } });
    expect(r.ops).toEqual([
      { op: 'add', path: '/myModule/b', value: { c: [1] } },
      { op: 'remove', path: '/myModule/a' },
      { op: 'add', path: '/myModule/keep/list/-', value: 2 },
    ]);
    (r.values.b as { c: number[] }).c.push(9);
    expect(JSON.stringify([current, ops])).toBe(before);
    expect(r.enabled).toEqual([]);
  });

  it('rejects an item without string op and path as bad json-patch data', () => {
    const e = failure(() =>
      applyHookPatch({ scope: 'a', kind: 'values', current: {}, ops: [{ path: '/a/x', value: 1 }] }),
    );
    expect(e.message).toContain('bad json-patch data');
  });

  it('AO-82 a module hook of a patching /b/x fails and values stay unchanged', () => {
    const current = { x: 1 };
    const e = failure(() =>
      applyHookPatch({ scope: 'a', kind: 'values', current, ops: [{ op: 'add', path: '/b/x', value: 2 }] }),
    );
    expect(e.message).toContain('unacceptable patch operation');
    expect(current).toEqual({ x: 1 });
  });

  it('AO-82 a global hook patching /aEnabled is accepted and routed to dynamic enable', () => {
    const r = applyHookPatch({
      scope: 'global',
      kind: 'values',
      current: { g: 1 },
      ops: [{ op: 'add', path: '/aEnabled', value: false }],
    });
    expect(r.enabled).toEqual([{ module: 'a', enabled: false }]);
    expect(r.changed).toBe(false);
    expect(r.values).toEqual({ g: 1 });
    expect(r.ops).toEqual([]);
  });

  it('AO-83 replace is rejected for a global hook too', () => {
    const e = failure(() =>
      applyHookPatch({
        scope: 'global',
        kind: 'values',
        current: { g: 1 },
        ops: [{ op: 'replace', path: '/global/g', value: 2 }],
      }),
    );
    expect(e.message).toContain("unsupported patch operation 'replace'");
  });

  it('AO-84 removing a non-existent path fails the hook', () => {
    const e = failure(() =>
      applyHookPatch({
        scope: 'a',
        kind: 'values',
        current: {},
        ops: [{ op: 'remove', path: '/a/missing' }],
      }),
    );
    expect(e.path).toBe('/a/missing');
  });

  it('AO-85 a patch that breaks the values schema fails and is not stored', () => {
    // values schema x: {type: string}
    const validate = (v: Values) =>
      typeof v.x === 'string' || v.x === undefined ? undefined : 'x: must be string';
    const stored: ValuesPatchOp[] = [{ op: 'add', path: '/a/y', value: 1 }];
    let next = stored;
    const e = failure(() => {
      const r = applyHookPatch({
        scope: 'a',
        kind: 'values',
        current: { y: 1 },
        ops: [{ op: 'add', path: '/a/x', value: 5 }],
        validate,
      });
      next = compactPatches(stored, r.ops);
    });
    expect(e.message).toBe('cannot apply values patch for module values: x: must be string');
    expect(next).toBe(stored);
    const ok = applyHookPatch({
      scope: 'a',
      kind: 'values',
      current: { y: 1 },
      ops: [{ op: 'add', path: '/a/x', value: 'five' }],
      validate,
    });
    expect(ok.values).toEqual({ y: 1, x: 'five' });
  });

  it('a validator that throws fails the hook with its message; no change means no validation', () => {
    let calls = 0;
    const validate = () => {
      calls++;
      throw new Error('boom');
    };
    const e = failure(() =>
      applyHookPatch({
        scope: 'a',
        kind: 'config',
        current: {},
        ops: [{ op: 'add', path: '/a/x', value: 1 }],
        validate,
      }),
    );
    expect(e.message).toBe('cannot apply config values patch for module values: boom');
    applyHookPatch({
      scope: 'a',
      kind: 'config',
      current: { x: 1 },
      ops: [{ op: 'add', path: '/a/x', value: 1 }],
      validate,
    });
    expect(calls).toBe(1);
  });

  it('AO-86 a config patch produces the new config section, which then reaches the values', () => {
    const configValues = { user: 'admin' };
    const r = applyHookPatch({
      scope: 'a',
      kind: 'config',
      current: configValues,
      ops: [{ op: 'add', path: '/a/password', value: 's3cr3t' }],
      validate: () => undefined,
    });
    expect(r.changed).toBe(true);
    expect(r.values).toEqual({ user: 'admin', password: 's3cr3t' });
    expect(configValues).toEqual({ user: 'admin' });
    expect(computeValues({ key: 'a', staticValues: { replicas: 1 }, configValues: r.values })).toEqual({
      replicas: 1,
      user: 'admin',
      password: 's3cr3t',
    });
  });
});

describe('global hooks and *Enabled keys', () => {
  it('TV-42 add /certManagerEnabled false is accepted, not applied to global, disables cert-manager', () => {
    const r = applyHookPatch({
      scope: 'global',
      kind: 'values',
      current: { ha: true },
      ops: [{ op: 'add', path: '/certManagerEnabled', value: false }],
    });
    expect(r.values).toEqual({ ha: true });
    expect(r.values).not.toHaveProperty('certManagerEnabled');
    expect(r.changed).toBe(false);
    expect(r.enabled).toEqual([{ module: 'cert-manager', enabled: false }]);
  });

  it('TV-42 a global hook patching /certManager/x fails', () => {
    const e = failure(() =>
      applyHookPatch({
        scope: 'global',
        kind: 'values',
        current: {},
        ops: [{ op: 'add', path: '/certManager/x', value: 1 }],
      }),
    );
    expect(e.message).toContain("(only 'global' and '*Enabled' are permitted)");
  });

  it('applies global ops and collects enabled updates in order from one patch', () => {
    const r = applyHookPatch({
      scope: 'global',
      kind: 'config',
      current: { a: 1 },
      ops: [
        { op: 'add', path: '/aEnabled', value: true },
        { op: 'add', path: '/global/b', value: 2 },
        { op: 'add', path: '/myModuleEnabled', value: 'False' },
      ],
    });
    expect(r.values).toEqual({ a: 1, b: 2 });
    expect(r.changed).toBe(true);
    expect(r.ops).toEqual([{ op: 'add', path: '/global/b', value: 2 }]);
    expect(r.enabled).toEqual([
      { module: 'a', enabled: true },
      { module: 'my-module', enabled: false },
    ]);
  });

  it('Q23 a remove on an *Enabled key fails the hook (its missing value is not a boolean)', () => {
    const e = failure(() =>
      applyHookPatch({
        scope: 'global',
        kind: 'values',
        current: {},
        ops: [{ op: 'remove', path: '/aEnabled' }],
      }),
    );
    expect(e.message).toBe(
      "apply enabled patch operation 'remove' for /aEnabled: unsupported module enabled value: <nil>",
    );
    expect(e.path).toBe('/aEnabled');
  });

  it('rejects an *Enabled value that is not a boolean', () => {
    expect(() => splitEnabledOps([{ op: 'add', path: '/aEnabled', value: 1 }])).toThrowError(
      /unsupported module enabled value: 1/,
    );
  });

  it('ignores other operations with a valid value on *Enabled keys', () => {
    expect(splitEnabledOps([{ op: 'test', path: '/aEnabled', value: true }]).enabled).toEqual([]);
  });

  it('a path without a segment passes the scope check (addon-operator quirk)', () => {
    expect(() => checkPatchScope([{ op: 'test', path: '', value: {} }], 'a')).not.toThrow();
  });
});
