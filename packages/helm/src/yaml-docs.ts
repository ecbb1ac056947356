/** Manifests as Kubernetes tooling reads them: Go's sigs.k8s.io/yaml dialect (kube-model's `parseGoYaml`). */
import { parseGoYaml } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';
import { splitManifests } from './manifest-order.js';

export type ParsedDocument = { ok: true; value: unknown } | { ok: false; error: string };

/** Parses text that must hold at most one YAML document (null for an empty or comments-only one). */
export function parseYamlDocument(text: string): ParsedDocument {
  try {
    return { ok: true, value: parseGoYaml(text) };
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
