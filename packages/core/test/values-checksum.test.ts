import { describe, expect, it } from 'vitest';
import { canonicalJson, valuesChecksum } from '../src/values/checksum.js';

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
});
