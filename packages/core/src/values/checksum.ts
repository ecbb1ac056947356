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
 * The one canonical JSON of the project: a value as Go's `json.Marshal` writes it (addon-operator pkg/utils/module_config.go (Checksum)), keys
 * sorted at every level, no spaces, `<`, `>`, `&`, U+2028 and U+2029 escaped (these occur only
 * inside strings, so escaping the encoded text is safe). `undefined` members are dropped, an
 * `undefined` array item or top-level value is `null`. Equal values always give equal text.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  return stableStringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]);
}

/** Deep structural equality of two JSON values, key order ignored (their canonical JSON is equal). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Lowercase hex MD5 of the canonical JSON of `values` (addon-operator pkg/utils/module_config.go (Checksum)). */
export function valuesChecksum(values: unknown): string {
  return md5(canonicalJson(values));
}
