import type { FieldSelector, LabelSelector } from '@converge/protocol';

/** A label or field selector in a query string that the server cannot parse. */
export class SelectorSyntaxError extends Error {}

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

/** The `fieldSelector` query parameter (`metadata.name=x,status.phase!=Running`). */
export function parseFieldSelector(text: string): FieldSelector {
  const matchExpressions: FieldSelector['matchExpressions'] = [];
  for (const req of requirements(text)) {
    const m = req.match(/^([^\s=!]+)\s*(==|!=|=)\s*(.*)$/);
    if (!m) throw new SelectorSyntaxError(`invalid field selector: ${JSON.stringify(req)}`);
    matchExpressions.push({ field: m[1], operator: m[2] === '!=' ? '!=' : '=', value: m[3] });
  }
  return { matchExpressions };
}
