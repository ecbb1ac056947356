/**
 * A jq implementation the binding monitors call for `jqFilter`. `evaluate` returns every output
 * of `filter` run on `input` (a deep copy), in order, and throws on compile or runtime errors.
 */
export interface JqEngine {
  evaluate(filter: string, input: unknown): unknown[];
}

/** shell-operator pkg/filter/jq/apply.go output collection: no result is `null`, one result is that value, several are an array. */
export function collectJqResults(results: readonly unknown[]): unknown {
  if (results.length === 0) return null;
  if (results.length === 1) return results[0] ?? null;
  return results.map((r) => r ?? null);
}
