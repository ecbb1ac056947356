import { ConvergeError } from '@converge/protocol';
import { parseAllDocuments, type Tags } from 'yaml';

/**
 * The two YAML dialects addon-operator and shell-operator read, one helper each (the `yaml`
 * package underneath):
 *
 * - **Go's sigs.k8s.io/yaml** (YAML → JSON through go.yaml.in/yaml/v2): YAML 1.1 scalars (`yes`,
 *   `on`, `y` are booleans, `0777` is octal) with timestamps left as strings. Hook `--config` and
 *   output files, module `values.yaml` and OpenAPI schemas, chart files and rendered manifests,
 *   object-patch manifests, the ConfigMap's `global` section (addon-operator's
 *   `utils.NewGlobalValues`) and request bodies of the Kubernetes API all read it.
 * - **gopkg.in/yaml.v3** into `interface{}`: YAML 1.2 core scalars (`yes` stays a string). The
 *   ConfigMap's module sections read it (addon-operator's
 *   `pkg/kube_config_manager/backend/configmap/configmap.go`), and so do converge's own files.
 *
 * Differences left (docs/compatibility.md): in the v3 dialect a timestamp stays the string as
 * written (Go re-encodes it as RFC 3339) and `0777` is decimal (Go reads it as octal).
 */

const TIMESTAMP_TAG = 'tag:yaml.org,2002:timestamp';

const GO_OPTIONS = {
  version: '1.1' as const,
  // Template text probed as YAML can hold `{ .Values.x }` keys: no process warnings for them.
  logLevel: 'error' as const,
  customTags: (tags: Tags): Tags => tags.filter((t) => typeof t === 'string' || t.tag !== TIMESTAMP_TAG),
};

const V3_OPTIONS = { version: '1.2' as const, logLevel: 'error' as const };

export type YamlDocuments = { ok: true; values: unknown[] } | { ok: false; index: number; error: string };

function documents(text: string, options: typeof GO_OPTIONS | typeof V3_OPTIONS): YamlDocuments {
  const docs = parseAllDocuments(text, options);
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

/** A YAML text that does not parse, or holds more than one document where one is expected. */
export class YamlSyntaxError extends ConvergeError {
  readonly code = 'YAML_SYNTAX';
}

function single(text: string, options: typeof GO_OPTIONS | typeof V3_OPTIONS): unknown {
  const parsed = documents(text, options);
  if (!parsed.ok) throw new YamlSyntaxError(parsed.error);
  if (parsed.values.length > 1) throw new YamlSyntaxError('more than one YAML document');
  return parsed.values[0] ?? null;
}

/** Every document of a multi-document text as Go's sigs.k8s.io/yaml reads it, or the first error. */
export function parseGoYamlDocuments(text: string): YamlDocuments {
  return documents(text, GO_OPTIONS);
}

/**
 * One document as Go's sigs.k8s.io/yaml reads it (null for an empty text). Throws
 * YamlSyntaxError when it does not parse or holds several documents.
 */
export function parseGoYaml(text: string): unknown {
  return single(text, GO_OPTIONS);
}

/**
 * One document as gopkg.in/yaml.v3 reads it into `interface{}` (null for an empty text). Throws
 * YamlSyntaxError when it does not parse or holds several documents.
 */
export function parseYamlV3(text: string): unknown {
  return single(text, V3_OPTIONS);
}
