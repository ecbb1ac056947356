import { parseAllDocuments, type Tags } from 'yaml';

/**
 * YAML as Go's sigs.k8s.io/yaml reads hook output: YAML 1.1 scalars (`yes` is a boolean) with
 * timestamps left as strings. Returns every document's value, or the first parse error.
 */

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';
const OPTIONS = {
  version: '1.1' as const,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP_TAG),
};

export type YamlDocuments = { ok: true; values: unknown[] } | { ok: false; index: number; error: string };

export function parseYamlDocuments(text: string): YamlDocuments {
  const docs = parseAllDocuments(text, OPTIONS);
  if ('empty' in docs)
    return docs.errors.length
      ? { ok: false, index: 0, error: docs.errors[0].message }
      : { ok: true, values: [] };
  const values: unknown[] = [];
  for (const [index, doc] of docs.entries()) {
    if (doc.errors.length) return { ok: false, index, error: doc.errors[0]?.message ?? 'invalid YAML' };
    try {
      values.push(doc.toJS());
    } catch (e) {
      return { ok: false, index, error: (e as Error).message };
    }
  }
  return { ok: true, values };
}
