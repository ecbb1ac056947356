import fastJsonPatch from 'fast-json-patch';

/**
 * RFC 7386 JSON Merge Patch: objects merge key by key, `null` removes a key, anything else
 * (arrays included) replaces the target. Returns a new value; neither input is modified.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * RFC 6902 JSON Patch applied to a copy of `target`. Throws an Error whose message is the first
 * line of the failing operation's reason (`invalid JSON patch: …`).
 */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw new Error('invalid JSON patch: expected an array of RFC 6902 operations');
  try {
    return fastJsonPatch.applyPatch(structuredClone(target), operations, true, true).newDocument;
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new Error(`invalid JSON patch: ${message}`);
  }
}
