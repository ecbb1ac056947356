import { describe, expect, it } from 'vitest';
import { canonicalJson, jsonEqual, valuesChecksum } from '../src/values/checksum.js';

describe('valuesChecksum', () => {
  it('is the lowercase hex MD5 of canonical JSON', () => {
    // md5('{}') and md5('{"a":1,"b":[2,{"c":3}]}')
    expect(valuesChecksum({})).toBe('99914b932bd37a50b983c5e7c90ae93b');
    expect(canonicalJson({ b: [2, { c: 3 }], a: 1 })).toBe('{"a":1,"b":[2,{"c":3}]}');
    expect(valuesChecksum({ b: [2, { c: 3 }], a: 1 })).toBe(valuesChecksum({ a: 1, b: [2, { c: 3 }] }));
  });

  it('ignores key order at every depth and sees every value change', () => {
    expect(valuesChecksum({ x: { q: 1, p: 2 } })).toBe(valuesChecksum({ x: { p: 2, q: 1 } }));
    expect(valuesChecksum({ x: { p: 2, q: 1 } })).not.toBe(valuesChecksum({ x: { p: 2, q: 2 } }));
    expect(valuesChecksum({ l: [1, 2] })).not.toBe(valuesChecksum({ l: [2, 1] }));
  });

  it('escapes <, > and & as Go does', () => {
    expect(canonicalJson({ s: '<a&b>' })).toBe('{"s":"\\u003ca\\u0026b\\u003e"}');
  });

  it('one canonical JSON for every caller: undefined members dropped, undefined items and values are null', () => {
    // Before, runtime wrote `null` for a top-level undefined while core returned undefined (and
    // its checksum threw), and only core escaped `<>&`: the binding checksums and the render
    // cache key now use this one.
    expect(canonicalJson(undefined)).toBe('null');
    expect(valuesChecksum(undefined)).toBe(valuesChecksum(null));
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
    expect(canonicalJson({ s: '\u2028' })).toBe('{"s":"\\u2028"}');
  });

  it('jsonEqual ignores key order and nothing else', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ s: '<' }, { s: '\\u003c' })).toBe(false);
  });
});
