import { SdkUsageError } from './errors.js';
import { isJsonObject } from './json.js';

/**
 * Splits a gjson-style dotted path: `.` separates keys, `\` escapes the next character
 * (`a\.b` is the key `a.b`). Wildcards and queries are not supported.
 */
export function splitPath(path: string): string[] {
  if (path === '') throw new SdkUsageError('values path is empty');
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && i + 1 < path.length) current += path[++i];
    else if (ch === '.') {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/** The result of reading a path: `exists` is false when any step is missing. */
export interface PathLookup {
  exists: boolean;
  value: unknown;
}

/**
 * Reads `path` in `doc` like gjson: object keys by name, array items by decimal index, and `#`
 * on an array yields its length. A JSON `null` at the path exists.
 */
export function lookupPath(doc: unknown, path: string): PathLookup {
  let node: unknown = doc;
  for (const key of splitPath(path)) {
    if (Array.isArray(node)) {
      if (key === '#') node = node.length;
      else if (/^\d+$/.test(key) && Number(key) < node.length) node = node[Number(key)];
      else return { exists: false, value: undefined };
    } else if (isJsonObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return { exists: false, value: undefined };
  }
  return { exists: true, value: node };
}

/**
 * module-sdk's path-to-pointer conversion for Set/Remove: `/` prefixed and every `.` replaced by
 * `/`, with no escaping (keys containing dots cannot be addressed).
 */
export function pointerOf(path: string): string {
  return `/${path.replaceAll('.', '/')}`;
}
