/**
 * Reads a stream of JSON values separated by whitespace (NDJSON, several arrays, `{…}{…}`), the way
 * Go's `json.Decoder` reads hook output files. Throws `JsonStreamError` with the 0-based index of
 * the value that does not parse.
 */
export class JsonStreamError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\r' || c === '\t';

/** End offset (exclusive) of the JSON value that starts at `start`, found by bracket matching. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first !== '{' && first !== '[') {
    let i = start;
    while (i < text.length && !isSpace(text[i] as string) && !'{["'.includes(text[i] as string)) i++;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return text.length;
}

function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}

export function parseJsonStream(text: string): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i] as string)) {
      i++;
      continue;
    }
    const end = valueEnd(text, i);
    const piece = text.slice(i, end);
    try {
      values.push(JSON.parse(piece));
    } catch (e) {
      const shown = piece.length > 80 ? `${piece.slice(0, 80)}…` : piece;
      throw new JsonStreamError(
        `value ${values.length + 1} is not valid JSON (${(e as Error).message}): ${shown}`,
        values.length,
      );
    }
    i = end;
  }
  return values;
}

/**
 * The first JSON value of `text`, as one `Decode` call of Go's `json.Decoder` reads it (what follows
 * is not read); undefined when `text` holds only whitespace. Throws `JsonStreamError` when it does not parse.
 */
export function firstJsonValue(text: string): unknown {
  let i = 0;
  while (i < text.length && isSpace(text[i] as string)) i++;
  if (i === text.length) return undefined;
  const piece = text.slice(i, valueEnd(text, i));
  try {
    return JSON.parse(piece);
  } catch (e) {
    throw new JsonStreamError(`value 1 is not valid JSON (${(e as Error).message})`, 0);
  }
}
