import { readFile } from 'node:fs/promises';
import { parseGoYamlDocuments } from '@converge/kube-model';
import { ConvergeError } from '@converge/protocol';

/**
 * A modules directory (addon-operator pkg/module_manager/loader/fs/fs.go) cannot be loaded: a bad directory name, a symlink leaving a strict
 * root, an unparsable values.yaml, CRD or OpenAPI file, or a non-boolean `<key>Enabled` flag.
 * `file` is the path at fault; the message names it and the key or rule.
 */
export class ModulesDirError extends ConvergeError {
  readonly code = 'MODULES_DIR';
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type YamlMap = Record<string, unknown>;

export const isYamlMap = (v: unknown): v is YamlMap =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The file's text, or undefined when it does not exist. Other read errors throw ModulesDirError. */
export async function readOptionalFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') throw new ModulesDirError(`${file}: is a directory, expected a YAML file`, file);
    throw new ModulesDirError(`${file}: cannot read: ${(e as Error).message}`, file, { cause: e });
  }
}

/** Every YAML document of `text` (as Go's sigs.k8s.io/yaml reads them); throws naming `file`. */
export function parseYamlFile(file: string, text: string): unknown[] {
  const parsed = parseGoYamlDocuments(text);
  if (!parsed.ok) {
    throw new ModulesDirError(`${file}: invalid YAML (document ${parsed.index + 1}): ${parsed.error}`, file);
  }
  return parsed.values;
}

/**
 * A YAML file holding one mapping (values.yaml, an OpenAPI schema): undefined when the file is
 * missing, `{}` when it is empty. Throws ModulesDirError naming the file for bad YAML or a non-map.
 */
export async function readYamlMap(file: string): Promise<YamlMap | undefined> {
  const text = await readOptionalFile(file);
  if (text === undefined) return undefined;
  const docs = parseYamlFile(file, text).filter((d) => d !== null && d !== undefined);
  if (docs.length === 0) return {};
  if (docs.length > 1)
    throw new ModulesDirError(`${file}: expected one YAML document, found ${docs.length}`, file);
  const doc = docs[0];
  if (!isYamlMap(doc)) {
    throw new ModulesDirError(`${file}: expected a mapping at the top level, found ${describe(doc)}`, file);
  }
  return doc;
}

/** A short name of a value's YAML type, for error messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
