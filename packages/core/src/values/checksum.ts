import stableStringify from 'fast-json-stable-stringify';
import { md5 } from 'js-md5';

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * Canonical JSON of values as Go's `json.Marshal` writes it (AO §9.3): keys sorted, no spaces, and
 * `<`, `>`, `&`, U+2028 and U+2029 escaped. These characters only occur inside strings, so
 * escaping the encoded text is safe.
 */
export function canonicalJson(values: unknown): string {
  return stableStringify(values).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/** Lowercase hex MD5 of the canonical JSON of `values` (AO §9.3). */
export function valuesChecksum(values: unknown): string {
  return md5(canonicalJson(values));
}
