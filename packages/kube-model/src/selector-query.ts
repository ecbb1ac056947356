import type { FieldSelector, LabelSelector, ResourceSelector } from '@converge/protocol';

/**
 * The two selector query strings of the Kubernetes API (`labelSelector`, `fieldSelector`), both
 * ways: the client encodes a binding's selector to narrow a list or watch on the server, the test
 * API server parses what a client sent. Syntax as in k8s.io/apimachinery `pkg/labels/selector.go`
 * and `pkg/fields/selector.go`.
 */

/** A label or field selector in a query string that the server cannot parse. */
export class SelectorSyntaxError extends Error {}

/** Query parameters that narrow a list or watch on the server; the client filters exactly afterwards. */
export interface NarrowingQuery {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Label keys and values, and field values, the encoders pass through unquoted. */
const SAFE = /^[A-Za-z0-9._/-]*$/;

/** Fields every resource supports on the server side (apimachinery's default field set). */
const SERVER_FIELDS = new Set(['metadata.name', 'metadata.namespace']);

/**
 * The part of a selector the API server can apply: the label selector (terms whose keys and
 * values are plain label syntax) and `metadata.name` / `metadata.namespace` field terms, which
 * every resource supports. Everything else is left to the client-side filter.
 */
export function narrowingQuery(selector: ResourceSelector): NarrowingQuery {
  const query: NarrowingQuery = {};
  const labels = labelSelectorString(selector.labelSelector);
  if (labels) query.labelSelector = labels;
  const fields = fieldSelectorTerms(selector.fieldSelector);
  if (selector.names?.length === 1 && SAFE.test(selector.names[0]))
    fields.push(`metadata.name=${selector.names[0]}`);
  if (fields.length) query.fieldSelector = fields.join(',');
  return query;
}

/** A label selector in the API's string syntax; terms it cannot express safely are dropped. */
export function labelSelectorString(selector: LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const terms: string[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (SAFE.test(key) && key && SAFE.test(value)) terms.push(`${key}=${value}`);
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    if (!key || !SAFE.test(key) || !values.every((v) => SAFE.test(v) && v !== '')) continue;
    if (operator === 'Exists') terms.push(key);
    else if (operator === 'DoesNotExist') terms.push(`!${key}`);
    else if (values.length > 0)
      terms.push(`${key} ${operator === 'In' ? 'in' : 'notin'} (${values.join(',')})`);
  }
  return terms.length ? terms.join(',') : undefined;
}

/**
 * A field selector in the API's string syntax, keeping only the `metadata.name` and
 * `metadata.namespace` terms with plain values (the ones every resource supports).
 */
export function fieldSelectorString(selector: FieldSelector | undefined): string | undefined {
  const terms = fieldSelectorTerms(selector);
  return terms.length ? terms.join(',') : undefined;
}

function fieldSelectorTerms(selector: FieldSelector | undefined): string[] {
  const terms: string[] = [];
  for (const { field, operator, value } of selector?.matchExpressions ?? []) {
    if (!SERVER_FIELDS.has(field) || !SAFE.test(value)) continue;
    terms.push(`${field}${operator === '!=' || operator === 'NotEquals' ? '!=' : '='}${value}`);
  }
  return terms;
}

/** Splits at commas outside parentheses. */
function requirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * The `labelSelector` query parameter (`a=b,c!=d,e in (x,y),f notin (z),g,!h`) as a
 * LabelSelector; `!=` is NotIn, so objects without the label match it, as in Kubernetes.
 * Throws SelectorSyntaxError naming the requirement it cannot read.
 */
export function parseLabelSelector(text: string): LabelSelector {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<LabelSelector['matchExpressions']> = [];
  const KEY = '([^\\s=!(),]+)';
  const patterns: [RegExp, (m: RegExpMatchArray) => void][] = [
    [
      new RegExp(`^${KEY}\\s+(in|notin)\\s+\\(([^)]*)\\)$`),
      (m) =>
        matchExpressions.push({
          key: m[1],
          operator: m[2] === 'in' ? 'In' : 'NotIn',
          values: m[3]
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v.length > 0),
        }),
    ],
    [
      new RegExp(`^${KEY}\\s*!=\\s*([^\\s=!(),]*)$`),
      (m) => matchExpressions.push({ key: m[1], operator: 'NotIn', values: [m[2]] }),
    ],
    [
      new RegExp(`^${KEY}\\s*==?\\s*([^\\s=!(),]*)$`),
      (m) => {
        matchLabels[m[1]] = m[2];
      },
    ],
    [new RegExp(`^!\\s*${KEY}$`), (m) => matchExpressions.push({ key: m[1], operator: 'DoesNotExist' })],
    [new RegExp(`^${KEY}$`), (m) => matchExpressions.push({ key: m[1], operator: 'Exists' })],
  ];
  for (const req of requirements(text)) {
    const hit = patterns.find(([re]) => re.test(req));
    if (!hit) throw new SelectorSyntaxError(`unable to parse requirement: ${JSON.stringify(req)}`);
    hit[1](req.match(hit[0]) as RegExpMatchArray);
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

/**
 * The `fieldSelector` query parameter (`metadata.name=x,status.phase!=Running`). Throws
 * SelectorSyntaxError naming the term it cannot read.
 */
export function parseFieldSelector(text: string): FieldSelector {
  const matchExpressions: FieldSelector['matchExpressions'] = [];
  for (const req of requirements(text)) {
    const m = req.match(/^([^\s=!]+)\s*(==|!=|=)\s*(.*)$/);
    if (!m) throw new SelectorSyntaxError(`invalid field selector: ${JSON.stringify(req)}`);
    matchExpressions.push({ field: m[1], operator: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return { matchExpressions };
}
