/**
 * How converge's jq engines ask jq for every result of a filter on one input (shell-operator pkg/filter/jq/apply.go): the filter
 * is wrapped so that jq prints one line per input, `{"ok": [results…]}` or `{"error": …}`. Results
 * follow gojq where jq differs: object keys come out sorted.
 */

export class JqError extends Error {}

/** Built-ins that read more input or end jq: they would stall a long-lived process. */
export const STALLING_JQ_BUILTINS = /\b(halt|halt_error|input|inputs)\b/;

/** One output line per input: every result of the filter, or the error it raised. */
export const wrapJqFilter = (filter: string) => `try ([\n${filter}\n] | {ok: .}) catch {error: .}`;

/** The results in one line printed by a wrapped filter; throws `JqError` for an error line. */
export function jqAnswer(line: string): unknown[] {
  const parsed = JSON.parse(line) as { ok?: unknown[]; error?: unknown };
  if (parsed.ok) return parsed.ok.map(sortKeys);
  const message = typeof parsed.error === 'string' ? parsed.error : JSON.stringify(parsed.error);
  throw new JqError(`jq: error: ${message}`);
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
