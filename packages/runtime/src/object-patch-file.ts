import {
  hookOutputFileError,
  type ObjectPatchFileOperation,
  parseObjectPatchDocument,
  readJsonStream,
} from '@converge/protocol';
import { parseAllDocuments } from 'yaml';

/**
 * The KUBERNETES_PATCH_PATH file (HP §3.3): empty means no operations; otherwise a stream of JSON
 * objects (keys matched case-insensitively) or, when that does not decode, a YAML multi-document
 * stream (keys as written). One operation per document; the first invalid document rejects the
 * whole file with a HookOutputFileError naming the file, the document and the field.
 */
export function parseObjectPatchFile(
  text: string,
  options: { file?: string } = {},
): ObjectPatchFileOperation[] {
  const file = options.file ?? 'object patch';
  if (text.trim() === '') return [];
  let json: unknown[] | undefined;
  try {
    json = readJsonStream(text, file);
  } catch {
    json = undefined;
  }
  if (json)
    return json.map((doc, i) =>
      parseObjectPatchDocument(doc, i + 1, { file, caseInsensitiveKeys: true, parseManifest }),
    );
  const out: ObjectPatchFileOperation[] = [];
  for (const [i, doc] of parseAllDocuments(text).entries()) {
    const error = doc.errors[0];
    if (error)
      throw hookOutputFileError(
        file,
        i + 1,
        '',
        `neither a JSON stream nor YAML: ${error.message.split('\n')[0]}`,
      );
    if (doc.contents === null) continue;
    out.push(
      parseObjectPatchDocument(doc.toJS(), i + 1, { file, caseInsensitiveKeys: false, parseManifest }),
    );
  }
  return out;
}

/** A manifest given as a string (`object`, `mergePatch`, `jsonPatch`): YAML or JSON, first document. */
function parseManifest(text: string): unknown {
  for (const doc of parseAllDocuments(text)) {
    const error = doc.errors[0];
    if (error) throw new Error(error.message.split('\n')[0]);
    if (doc.contents !== null) return doc.toJS();
  }
  return null;
}
