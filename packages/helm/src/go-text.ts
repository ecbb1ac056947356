/**
 * The few Go string semantics that helm's manifest handling depends on, reproduced exactly:
 * `strings.TrimSpace` (Unicode White_Space as Go defines it) and byte-wise string ordering.
 */

/** Code points Go's `unicode.IsSpace` accepts. */
const GO_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

function isGoSpace(code: number): boolean {
  return GO_SPACE.has(code);
}

/** Go's `strings.TrimSpace`: strips leading and trailing Unicode white space. */
export function goTrimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text.charCodeAt(start))) start++;
  while (end > start && isGoSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Go's string `<`: compares the UTF-8 bytes, which is code-point order (not UTF-16 order). */
export function goLess(a: string, b: string): boolean {
  return goCompare(a, b) < 0;
}

/** -1, 0 or 1 by UTF-8 byte order, as Go's `sort.Strings` orders. */
export function goCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done) return cb.done ? 0 : -1;
    if (cb.done) return 1;
    const pa = ca.value.codePointAt(0)!;
    const pb = cb.value.codePointAt(0)!;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
}
