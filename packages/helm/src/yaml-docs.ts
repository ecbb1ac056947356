/**
 * YAML parsing as Kubernetes tooling sees manifests: YAML 1.1 scalars (`yes` is a boolean, as in
 * Go's yaml.v2) but timestamps stay strings, as they do once helm converts YAML to JSON.
 */
import type { KubeObject } from '@converge/protocol';
import { parseAllDocuments, type Tags } from 'yaml';
import { splitManifests } from './manifest-order.js';

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

const OPTIONS = {
  version: '1.1' as const,
  // Template text probed as YAML can hold `{ .Values.x }` keys: no process warnings for them.
  logLevel: 'error' as const,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP_TAG),
};

export type ParsedDocument = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses text that must hold at most one YAML document (null for an empty or comments-only one). */
export function parseYamlDocument(text: string): ParsedDocument {
  const docs = parseAllDocuments(text, OPTIONS);
  if ('empty' in docs) {
    return docs.errors.length ? { ok: false, error: docs.errors[0].message } : { ok: true, value: null };
  }
  if (docs.length === 0) return { ok: true, value: null };
  if (docs.length > 1) return { ok: false, error: 'more than one YAML document' };
  const [doc] = docs;
  if (doc.errors.length) return { ok: false, error: doc.errors[0].message };
  try {
    return { ok: true, value: doc.toJS() };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

function isObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The objects of a manifest, in manifest order: every document that is a mapping. Throws with
 * the document's `# Source` when a document does not parse.
 */
export function parseManifestObjects(manifest: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of splitManifests(manifest)) {
    const parsed = parseYamlDocument(doc);
    if (!parsed.ok) {
      const source = /^# Source: (.*)$/m.exec(doc)?.[1] ?? 'manifest';
      throw new Error(`YAML parse error on ${source}: ${parsed.error}`);
    }
    if (isObject(parsed.value)) objects.push(parsed.value);
  }
  return objects;
}
