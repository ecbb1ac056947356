import { z } from 'zod';
import { ConvergeError } from './errors.js';
import type { JsonPatchOperation } from './events.js';
import { kubeObjectSchema } from './kube.js';
import { safeParseWithRules } from './schema-issues.js';

/**
 * Parsers of the patch files a hook writes: values patches (HP §3.1 stream format) and kubernetes
 * object patches (HP §3.3) read as a JSON stream. The YAML fallback of object patch files lives in
 * `@converge/runtime` (`parseObjectPatchFile`). Nothing is applied here.
 */

/** A hook output file is malformed: names the file, the 1-based document and the field. */
export class HookOutputFileError extends ConvergeError {
  readonly code = 'HOOK_OUTPUT_FILE';
  constructor(
    message: string,
    readonly file: string,
    /** 1-based position of the offending JSON value / YAML document; 0 for the file as a whole. */
    readonly document: number,
    /** Path of the offending field inside the document (`''` for the document itself). */
    readonly field: string,
  ) {
    super(message);
  }
}

/** Builds a HookOutputFileError whose message reads `file: document N: field: rule`. */
export function hookOutputFileError(file: string, document: number, field: string, rule: string) {
  const where = [file, document > 0 ? `document ${document}` : '', field].filter(Boolean).join(': ');
  return new HookOutputFileError(`${where}: ${rule}`, file, document, field);
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\r' || c === '\t';

function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return -1;
}

/** End (exclusive) of the JSON value starting at `start`, or -1 when it never ends. */
function valueEnd(text: string, start: number): number {
  const first = text[start];
  if (first === '"') return stringEnd(text, start);
  if (first !== '{' && first !== '[') {
    let i = start;
    while (i < text.length && !isSpace(text[i]) && !'{}[]",'.includes(text[i] as string)) i++;
    return i === start ? start + 1 : i;
  }
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      if (i < 0) return -1;
      i--;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/**
 * Reads a stream of JSON values separated by whitespace (NDJSON, `{…}{…}`, arrays on lines), as
 * Go's json.Decoder does. Throws HookOutputFileError naming the value that does not parse.
 */
export function readJsonStream(text: string, file = 'file'): unknown[] {
  const values: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    const end = valueEnd(text, i);
    const piece = text.slice(i, end < 0 ? text.length : end);
    const shown = piece.length > 60 ? `${piece.slice(0, 60)}…` : piece;
    try {
      if (end < 0) throw new Error('unexpected end of input');
      values.push(JSON.parse(piece));
    } catch (e) {
      throw hookOutputFileError(
        file,
        values.length + 1,
        '',
        `invalid JSON (${(e as Error).message}): ${shown}`,
      );
    }
    i = end;
  }
  return values;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export interface PatchFileOptions {
  /** Name of the file in error messages (e.g. `VALUES_JSON_PATCH_PATH` or a path). */
  file?: string;
}

// ---------------------------------------------------------------------------------------------
// Values patches (VALUES_JSON_PATCH_PATH, CONFIG_VALUES_JSON_PATCH_PATH)

const patchOps = ['add', 'remove', 'replace', 'move', 'copy', 'test'] as const;

/**
 * A values patch file (HP §3.1): empty means no patch; otherwise a stream of JSON values, each an
 * array of operations or one operation (other values are ignored), concatenated in file order.
 * Each operation keeps only `op`, `path` and `value` (`from` is dropped, as addon-operator does).
 */
export function parseValuesPatchFile(text: string, options: PatchFileOptions = {}): JsonPatchOperation[] {
  const file = options.file ?? 'values patch';
  const ops: JsonPatchOperation[] = [];
  readJsonStream(text, file).forEach((value, d) => {
    const document = d + 1;
    const items = Array.isArray(value) ? value : isRecord(value) ? [value] : [];
    items.forEach((item, k) => {
      const at = Array.isArray(value) ? `[${k}]` : '';
      const field = (name: string) => (at ? `${at}.${name}` : name);
      if (!isRecord(item))
        throw hookOutputFileError(file, document, at, `operation must be an object (got ${describe(item)})`);
      if (typeof item.op !== 'string' || !(patchOps as readonly string[]).includes(item.op))
        throw hookOutputFileError(
          file,
          document,
          field('op'),
          `unsupported patch operation ${JSON.stringify(item.op)} (expected one of: ${patchOps.join(', ')})`,
        );
      if (typeof item.path !== 'string')
        throw hookOutputFileError(
          file,
          document,
          field('path'),
          `must be a string (got ${describe(item.path)})`,
        );
      ops.push({
        op: item.op as JsonPatchOperation['op'],
        path: item.path,
        ...(Object.hasOwn(item, 'value') ? { value: item.value } : {}),
      });
    });
  });
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes object patches (KUBERNETES_PATCH_PATH)

export const createOperationNames = ['Create', 'CreateOrUpdate', 'CreateIfNotExists'] as const;
export const deleteOperationNames = ['Delete', 'DeleteInBackground', 'DeleteNonCascading'] as const;
export const objectPatchOperationNames = [
  ...createOperationNames,
  ...deleteOperationNames,
  'MergePatch',
  'JSONPatch',
  'JQPatch',
] as const;
export type ObjectPatchOperationName = (typeof objectPatchOperationNames)[number];

const nonEmptyObject = z
  .record(z.string(), z.unknown())
  .refine((o) => Object.keys(o).length > 0, { message: 'must not be empty' });

const target = {
  apiVersion: z.string().optional(),
  kind: z.string().min(1),
  namespace: z.string().optional(),
  name: z.string().min(1),
};

const targetOf = (d: { apiVersion?: string; kind: string; namespace?: string; name: string }) => ({
  apiVersion: d.apiVersion ?? '',
  kind: d.kind,
  ...(d.namespace ? { namespace: d.namespace } : {}),
  name: d.name,
});

const patchOptions = {
  subresource: z.string().optional(),
  ignoreMissingObject: z.boolean().optional(),
  ignoreMissingObjects: z.boolean().optional(),
  ignoreHookError: z.boolean().optional(),
};

const patchOptionsOf = (d: {
  subresource?: string;
  ignoreMissingObject?: boolean;
  ignoreMissingObjects?: boolean;
  ignoreHookError?: boolean;
}) => ({
  ...(d.subresource ? { subresource: d.subresource } : {}),
  ...(d.ignoreMissingObject || d.ignoreMissingObjects ? { ignoreMissingObject: true } : {}),
  ...(d.ignoreHookError ? { ignoreHookError: true } : {}),
});

/** Create, CreateOrUpdate, CreateIfNotExists: the object decides namespace, apiVersion and kind. */
export const createOperationSchema = z
  .object({ operation: z.enum(createOperationNames), object: nonEmptyObject.pipe(kubeObjectSchema) })
  .transform((d) => ({ operation: d.operation, object: d.object }));

/** Delete (foreground, waits), DeleteInBackground, DeleteNonCascading (orphan). */
export const deleteOperationSchema = z
  .object({ operation: z.enum(deleteOperationNames), ...target })
  .transform((d) => ({ operation: d.operation, ...targetOf(d) }));

/** MergePatch: a non-empty object (a string manifest is decoded first). */
export const mergePatchOperationSchema = z
  .object({ operation: z.literal('MergePatch'), ...target, mergePatch: nonEmptyObject, ...patchOptions })
  .transform((d) => ({
    operation: d.operation,
    ...targetOf(d),
    mergePatch: d.mergePatch,
    ...patchOptionsOf(d),
  }));

/** One RFC 6902 operation inside a JSONPatch operation. */
export const jsonPatchItemSchema = z
  .object({
    op: z.enum(patchOps),
    path: z.string(),
    value: z.unknown().optional(),
    from: z.string().optional(),
  })
  .loose()
  .superRefine((item, ctx) => {
    if (['add', 'replace', 'test'].includes(item.op) && !Object.hasOwn(item, 'value'))
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for ${item.op}` });
    if (['move', 'copy'].includes(item.op) && item.from === undefined)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `is required for ${item.op}` });
  });

/** JSONPatch: a non-empty array of RFC 6902 operations (a string manifest is decoded first). */
export const jsonPatchOperationFileSchema = z
  .object({
    operation: z.literal('JSONPatch'),
    ...target,
    jsonPatch: z.array(jsonPatchItemSchema).min(1),
    ...patchOptions,
  })
  .transform((d) => ({
    operation: d.operation,
    ...targetOf(d),
    jsonPatch: d.jsonPatch,
    ...patchOptionsOf(d),
  }));

/** JQPatch: a jq filter that turns the live object into its new version. */
export const jqPatchOperationSchema = z
  .object({ operation: z.literal('JQPatch'), ...target, jqFilter: z.string().min(1), ...patchOptions })
  .transform((d) => ({ operation: d.operation, ...targetOf(d), jqFilter: d.jqFilter, ...patchOptionsOf(d) }));

const schemaByOperation = {
  Create: createOperationSchema,
  CreateOrUpdate: createOperationSchema,
  CreateIfNotExists: createOperationSchema,
  Delete: deleteOperationSchema,
  DeleteInBackground: deleteOperationSchema,
  DeleteNonCascading: deleteOperationSchema,
  MergePatch: mergePatchOperationSchema,
  JSONPatch: jsonPatchOperationFileSchema,
  JQPatch: jqPatchOperationSchema,
} as const;

/** Any object patch operation document, after canonical keys and decoded manifest strings. */
export const objectPatchOperationSchema = z.union([
  createOperationSchema,
  deleteOperationSchema,
  mergePatchOperationSchema,
  jsonPatchOperationFileSchema,
  jqPatchOperationSchema,
]);
/** A parsed operation; assignable to core's `ObjectPatchOperation`. */
export type ObjectPatchFileOperation = z.output<typeof objectPatchOperationSchema>;

const documentKeys = [
  'operation',
  'apiVersion',
  'kind',
  'namespace',
  'name',
  'subresource',
  'object',
  'jqFilter',
  'mergePatch',
  'jsonPatch',
  'ignoreMissingObject',
  'ignoreMissingObjects',
  'ignoreHookError',
];
const byLowerCase = new Map(documentKeys.map((k) => [k.toLowerCase(), k]));

export interface ObjectPatchParseOptions extends PatchFileOptions {
  /** JSON documents match keys case-insensitively (Go's JSON decoding); YAML ones do not. */
  caseInsensitiveKeys?: boolean;
  /** Decodes a manifest given as a string (`object`, `mergePatch`, `jsonPatch`); default JSON.parse. */
  parseManifest?: (text: string) => unknown;
}

/** Known keys only (unknown ones are lost, as in shell-operator), null values as absent. */
function canonicalDocument(doc: Record<string, unknown>, caseInsensitive: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const canonical = caseInsensitive
      ? byLowerCase.get(key.toLowerCase())
      : documentKeys.find((k) => k === key);
    if (canonical !== undefined && value !== null) out[canonical] = value;
  }
  return out;
}

/**
 * Validates one operation document (HP §3.3) and returns the operation. Throws
 * HookOutputFileError naming the file, the 1-based `document` and the field.
 */
export function parseObjectPatchDocument(
  raw: unknown,
  document: number,
  options: ObjectPatchParseOptions = {},
): ObjectPatchFileOperation {
  const file = options.file ?? 'object patch';
  if (Array.isArray(raw))
    throw hookOutputFileError(
      file,
      document,
      '',
      'an array of operations is not accepted; write one operation object per document',
    );
  if (!isRecord(raw))
    throw hookOutputFileError(file, document, '', `must be an object (got ${describe(raw)})`);
  const doc = canonicalDocument(raw, options.caseInsensitiveKeys ?? true);
  const operation = doc.operation;
  if (operation === undefined) throw hookOutputFileError(file, document, 'operation', 'is required');
  if (typeof operation !== 'string' || !Object.hasOwn(schemaByOperation, operation))
    throw hookOutputFileError(
      file,
      document,
      'operation',
      `must be one of: ${objectPatchOperationNames.join(', ')} (got ${JSON.stringify(operation)})`,
    );
  const parseManifest = options.parseManifest ?? JSON.parse;
  for (const key of ['object', 'mergePatch', 'jsonPatch']) {
    const value = doc[key];
    if (typeof value !== 'string') continue;
    try {
      doc[key] = parseManifest(value);
    } catch (e) {
      throw hookOutputFileError(
        file,
        document,
        key,
        `is a string that does not decode: ${(e as Error).message}`,
      );
    }
  }
  const schema = schemaByOperation[operation as ObjectPatchOperationName];
  const parsed = safeParseWithRules(schema, doc);
  if (!parsed.success) {
    const issue = parsed.issues[0] as { path: string; message: string };
    throw hookOutputFileError(file, document, issue.path, `${issue.message} (${operation})`);
  }
  return parsed.data;
}

/**
 * An object patch file read as a JSON stream only: empty means no operations; the first invalid
 * document rejects the whole file. Use `parseObjectPatchFile` of `@converge/runtime` for YAML too.
 */
export function parseObjectPatchJsonStream(
  text: string,
  options: ObjectPatchParseOptions = {},
): ObjectPatchFileOperation[] {
  const file = options.file ?? 'object patch';
  return readJsonStream(text, file).map((doc, i) =>
    parseObjectPatchDocument(doc, i + 1, { caseInsensitiveKeys: true, ...options, file }),
  );
}
