import { describe, expect, it } from 'vitest';
import type { Values } from '../src/ports.js';
import { computeGlobalValues, computeValues, hookValuesDocument } from '../src/values/layering.js';
import { deepMerge } from '../src/values/merge.js';

/** A toy defaults applier: fills top-level keys that are absent, like a schema's `default:`s. */
const defaults =
  (d: Values) =>
  (v: Values): Values => {
    const out = { ...v };
    for (const [k, val] of Object.entries(d)) if (!(k in out)) out[k] = val;
    return out;
  };

describe('deepMerge', () => {
  it('merges maps recursively and replaces scalars, nulls and arrays', () => {
    const a = { m: { x: 1, y: { z: 1 } }, l: [1, 2], s: 'a', n: 1 };
    const b = { m: { y: { w: 2 } }, l: [3], s: null, k: true };
    expect(deepMerge(a, b)).toEqual({ m: { x: 1, y: { z: 1, w: 2 } }, l: [3], s: null, n: 1, k: true });
  });

  it('returns a deep copy and mutates no layer', () => {
    const a = { m: { x: [1, { q: 1 }] } };
    const b = { m: { y: { z: 1 } } };
    const snapshot = JSON.stringify([a, b]);
    const out = deepMerge(a, undefined, b) as { m: { x: [number, { q: number }]; y: { z: number } } };
    out.m.x[1].q = 9;
    out.m.y.z = 9;
    expect(JSON.stringify([a, b])).toBe(snapshot);
  });
});

describe('computeValues', () => {
  it('AO-80 layering precedence: static, config defaults, config, values defaults, patches', () => {
    // modules/values.yaml {a: {x:1,y:1,z:1}} deep-merged with 010-a/values.yaml {a: {y:2}}: section a
    const staticValues = deepMerge({ x: 1, y: 1, z: 1 }, { y: 2 });
    const configValues = { z: 3 };
    const values = computeValues({
      key: 'a',
      staticValues,
      configValues,
      configDefaults: defaults({ w: 0 }),
      valuesDefaults: defaults({ v: 9 }),
      patches: [{ op: 'add', path: '/a/x', value: 4 }],
    });
    expect(values).toEqual({ x: 4, y: 2, z: 3, w: 0, v: 9 });
    // CONFIG_VALUES_PATH holds the raw config: no static values, no defaults
    expect(hookValuesDocument({}, { key: 'a', values: configValues })).toEqual({ global: {}, a: { z: 3 } });
  });

  it('AO-81 arrays replace', () => {
    expect(computeValues({ key: 'a', staticValues: { list: [1, 2] }, configValues: { list: [3] } })).toEqual({
      list: [3],
    });
  });

  it('config values override config defaults, values defaults fill only what is missing', () => {
    const values = computeValues({
      key: 'a',
      staticValues: { s: 1 },
      configValues: { w: 5 },
      configDefaults: defaults({ w: 0, s: 0 }),
      valuesDefaults: defaults({ w: 7, v: 1 }),
    });
    expect(values).toEqual({ s: 1, w: 5, v: 1 });
  });

  it('defaults functions get copies and no input is mutated', () => {
    const staticValues = { m: { x: 1 } };
    const configValues = { m: { y: 2 } };
    const patches = [{ op: 'add', path: '/a/m/z', value: { deep: [1] } }];
    const before = JSON.stringify([staticValues, configValues, patches]);
    const vandal = (v: Values): Values => {
      (v.m as Values).x = 'vandalised';
      return {};
    };
    const values = computeValues({
      key: 'a',
      staticValues,
      configValues,
      configDefaults: vandal,
      valuesDefaults: vandal,
      patches,
    });
    expect(values).toEqual({ m: { x: 1, y: 2, z: { deep: [1] } } });
    ((values.m as Values).z as { deep: number[] }).deep.push(2);
    expect(JSON.stringify([staticValues, configValues, patches])).toBe(before);
  });

  it('re-applies stored patches ignoring removes of missing paths', () => {
    const values = computeValues({
      key: 'myModule',
      staticValues: { a: 1 },
      patches: [
        { op: 'add', path: '/myModule/b', value: 2 },
        { op: 'remove', path: '/myModule/gone' },
        { op: 'remove', path: '/myModule/a' },
      ],
    });
    expect(values).toEqual({ b: 2 });
  });

  it('fails when a stored add no longer has its parent', () => {
    expect(() =>
      computeValues({ key: 'a', patches: [{ op: 'add', path: '/a/missing/x', value: 1 }] }),
    ).toThrowError(/parent path does not exist/);
  });

  it('computes global values under the global key', () => {
    expect(
      computeGlobalValues({
        staticValues: { ha: false },
        configValues: { ha: true },
        patches: [{ op: 'add', path: '/global/enabledModules', value: ['a'] }],
      }),
    ).toEqual({ ha: true, enabledModules: ['a'] });
  });

  it('builds the values input document of a global and of a module hook', () => {
    expect(hookValuesDocument({ g: 1 })).toEqual({ global: { g: 1 } });
    expect(hookValuesDocument({ g: 1 }, { key: 'certManager', values: { x: 1 } })).toEqual({
      global: { g: 1 },
      certManager: { x: 1 },
    });
  });
});
