import { z } from 'zod';

/**
 * Turning zod issues into `path: rule` lines that a person can act on, for every schema at a
 * boundary. Paths read like the document they point into (`kubernetes[0].labelSelector`), rules
 * read like a sentence (`must be a boolean (got string "ok")`).
 */

/** One broken rule: where (a rendered path, `''` for the document itself) and what. */
export interface SchemaIssue {
  path: string;
  message: string;
}

const identifier = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Renders a path array as `a.b[0].c`, quoting keys that are not plain identifiers (`["x.y/z"]`). */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && identifier.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Joins a base path and a child key the way `formatIssuePath` would. */
export function joinIssuePath(base: string, ...keys: PropertyKey[]): string {
  const rest = formatIssuePath(keys);
  if (base === '') return rest;
  return rest.startsWith('[') ? base + rest : `${base}.${rest}`;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'array';
  if (typeof input === 'string') {
    const shown = input.length > 40 ? `${input.slice(0, 40)}…` : input;
    return `string ${JSON.stringify(shown)}`;
  }
  if (typeof input === 'number' || typeof input === 'boolean') return `${typeof input} ${String(input)}`;
  return typeof input;
}

const typeNames: Record<string, string> = {
  boolean: 'a boolean',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  array: 'an array',
  object: 'an object',
  record: 'an object',
  map: 'an object',
};

/**
 * A zod error map that phrases each issue as a rule (`is required`, `must be a boolean (got …)`,
 * `must be one of: A, B`). Pass it as `{ error: ruleErrorMap }` to `safeParse`; a schema's own
 * `error` option still wins.
 */
export const ruleErrorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const want = typeNames[issue.expected] ?? `a ${issue.expected}`;
      return `must be ${want} (got ${describeInput(issue.input)})`;
    }
    case 'invalid_value':
      if (issue.input === undefined) return 'is required';
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')} (got ${describeInput(issue.input)})`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at least ${min} item${min === 1 ? '' : 's'}`;
      if (issue.origin === 'string')
        return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      return issue.inclusive ? `must be >= ${min}` : `must be > ${min}`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array' || issue.origin === 'set')
        return `must have at most ${max} item${max === 1 ? '' : 's'}`;
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      return issue.inclusive ? `must be <= ${max}` : `must be < ${max}`;
    }
    case 'unrecognized_keys':
      return 'forbidden property';
    case 'invalid_union':
      return `has an invalid value (got ${describeInput(issue.input)})`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    default:
      return undefined;
  }
};

/**
 * Flattens zod issues into `SchemaIssue`s. An unknown key becomes one issue per key, at the key's
 * own path, with the rule `forbidden property`.
 */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[]): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ path: formatIssuePath([...issue.path, key]), message: 'forbidden property' });
    } else {
      out.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }
  return out;
}

/** Parses `input` with `schema`, phrasing failures with `ruleErrorMap`. */
export function safeParseWithRules<T extends z.ZodType>(
  schema: T,
  input: unknown,
): { success: true; data: z.output<T> } | { success: false; issues: SchemaIssue[] } {
  const result = schema.safeParse(input, { error: ruleErrorMap, reportInput: false });
  if (result.success) return { success: true, data: result.data };
  return { success: false, issues: issuesFromZod(result.error.issues) };
}

/** One `path: rule` line per issue; the document itself is shown as `(root)`. */
export function formatIssueLines(issues: readonly SchemaIssue[]): string[] {
  return issues.map((i) => `${i.path === '' ? '(root)' : i.path}: ${i.message}`);
}

/** An integer (JSON number without a fraction), phrased `must be an integer`. */
export function integerSchema() {
  return z.int({
    error: (iss) =>
      iss.input === undefined ? 'is required' : `must be an integer (got ${describeInput(iss.input)})`,
  });
}

/** A non-negative integer, as Go decodes into an unsigned field, phrased `must be a non-negative integer`. */
export function unsignedIntegerSchema() {
  const rule = (input: unknown) =>
    input === undefined ? 'is required' : `must be a non-negative integer (got ${describeInput(input)})`;
  return z.int({ error: (iss) => rule(iss.input) }).min(0, { error: (iss) => rule(iss.input) });
}
