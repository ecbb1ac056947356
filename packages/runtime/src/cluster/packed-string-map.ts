/** Separates a key from its value inside a line; keys never contain it. */
const KEY_END = '\u0000';
/** Separates lines inside a chunk; neither keys nor values contain it. */
const LINE_END = '\n';
/** A chunk is split in two when it grows past this many lines or characters (one update's copy). */
const MAX_LINES = 64;
const MAX_CHARS = 8192;
/** Chunks built in bulk stop at this many lines or characters, so a few inserts fit before a split. */
const FILL_LINES = 48;
const FILL_CHARS = 6144;

/**
 * A map from string keys to string values, iterated in key order (JS string order), that keeps
 * its entries packed as `key\0value` lines inside a few large chunk strings instead of one heap
 * object per entry: a binding's snapshot of 10,000 objects costs about its text, not its text plus
 * per-object headers, pointers and hash-table slots (docs/performance.md). Keys must not contain
 * `\0` or `\n`, values not `\n` (JSON text never does). An update rewrites one chunk (≤ 64 lines, ≤ 8 KB unless one line is longer).
 */
export class PackedStringMap {
  private chunks: string[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Replaces the whole content with `entries` (any order; a later duplicate key wins). */
  load(entries: Iterable<[string, string]>): void {
    const byKey = new Map(entries);
    const keys = [...byKey.keys()].sort(compareStrings);
    this.chunks = [];
    let lines: string[] = [];
    let chars = 0;
    for (const key of keys) {
      const line = `${key}${KEY_END}${byKey.get(key)}`;
      lines.push(line);
      chars += line.length + 1;
      if (lines.length >= FILL_LINES || chars >= FILL_CHARS) {
        this.chunks.push(lines.join(LINE_END));
        lines = [];
        chars = 0;
      }
    }
    if (lines.length > 0) this.chunks.push(lines.join(LINE_END));
    this.count = keys.length;
  }

  get(key: string): string | undefined {
    const chunk = this.chunks[this.chunkOf(key)];
    if (chunk === undefined) return undefined;
    const start = lineStart(chunk, key);
    if (start < 0) return undefined;
    const valueStart = start + key.length + 1;
    const end = chunk.indexOf(LINE_END, valueStart);
    return chunk.slice(valueStart, end < 0 ? chunk.length : end);
  }

  set(key: string, value: string): void {
    this.swap(key, value);
  }

  /** Sets `key` to `value` and returns the value it had before (undefined when it was absent). */
  swap(key: string, value: string): string | undefined {
    const line = `${key}${KEY_END}${value}`;
    if (this.chunks.length === 0) {
      this.chunks.push(line);
      this.count = 1;
      return undefined;
    }
    const index = this.chunkOf(key);
    const at = Math.max(index, 0);
    const lines = this.chunks[at].split(LINE_END);
    const { found, position } = search(lines, key);
    let previous: string | undefined;
    if (found) {
      previous = lines[position].slice(key.length + 1);
      lines[position] = line;
    } else {
      lines.splice(position, 0, line);
      this.count++;
    }
    const chunk = lines.join(LINE_END);
    if (lines.length > 1 && (lines.length > MAX_LINES || chunk.length > MAX_CHARS)) {
      const half = lines.length >> 1;
      this.chunks.splice(at, 1, lines.slice(0, half).join(LINE_END), lines.slice(half).join(LINE_END));
    } else this.chunks[at] = chunk;
    return previous;
  }

  delete(key: string): boolean {
    const index = this.chunkOf(key);
    if (index < 0) return false;
    const lines = this.chunks[index].split(LINE_END);
    const { found, position } = search(lines, key);
    if (!found) return false;
    lines.splice(position, 1);
    this.count--;
    if (lines.length === 0) this.chunks.splice(index, 1);
    else this.chunks[index] = lines.join(LINE_END);
    return true;
  }

  /** Removes every entry whose key satisfies `predicate`. */
  deleteWhere(predicate: (key: string) => boolean): void {
    const kept: [string, string][] = [];
    for (const entry of this.entries()) if (!predicate(entry[0])) kept.push(entry);
    if (kept.length !== this.count) this.load(kept);
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** The entries in key order. */
  *entries(): IterableIterator<[string, string]> {
    for (const chunk of this.chunks) {
      for (const line of chunk.split(LINE_END)) {
        const cut = line.indexOf(KEY_END);
        yield [line.slice(0, cut), line.slice(cut + 1)];
      }
    }
  }

  /** The chunk whose first key is the greatest one ≤ key; -1 when key precedes every chunk. */
  private chunkOf(key: string): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const chunk = this.chunks[mid];
      if (chunk.slice(0, chunk.indexOf(KEY_END)) <= key) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }
}

/** Where the line of `key` starts in `chunk`, or -1. */
function lineStart(chunk: string, key: string): number {
  if (chunk.startsWith(`${key}${KEY_END}`)) return 0;
  const at = chunk.indexOf(`${LINE_END}${key}${KEY_END}`);
  return at < 0 ? -1 : at + 1;
}

/** Binary search of `key` among sorted `key\0value` lines: its index, or where it would go. */
function search(lines: string[], key: string): { found: boolean; position: number } {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const line = lines[mid];
    const lineKey = line.slice(0, line.indexOf(KEY_END));
    if (lineKey === key) return { found: true, position: mid };
    if (lineKey < key) lo = mid + 1;
    else hi = mid;
  }
  return { found: false, position: lo };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
