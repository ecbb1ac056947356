import { z } from 'zod';
import { hookOutputFileError, type PatchFileOptions } from './patch-files.js';
import { safeParseWithRules } from './schema-issues.js';

/**
 * The admission (VALIDATING_RESPONSE_PATH = ADMISSION_RESPONSE_PATH, HP §3.5) and conversion
 * (CONVERSION_RESPONSE_PATH, HP §3.6) response files of shell-operator webhook hooks: schemas and
 * parsers that throw HookOutputFileError naming the file and the field.
 */

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** An admission response file: the decision, a denial message, warnings and a base64 JSON patch. */
export const admissionResponseSchema = z.object({
  allowed: z.boolean(),
  message: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /** base64 (standard alphabet, padded) of a JSON Patch array; the engine sets patchType JSONPatch. */
  patch: z
    .string()
    .refine((s) => base64Text.test(s.replace(/[\r\n]/g, '')), {
      message: 'must be base64 (standard, padded)',
    })
    .optional(),
});
export type AdmissionResponseFile = z.infer<typeof admissionResponseSchema>;

/** A conversion response file: converted objects on success, or a failure message. */
export const conversionResponseSchema = z.union([
  z.object({ failedMessage: z.string().min(1) }),
  z.object({ convertedObjects: z.array(z.record(z.string(), z.unknown())) }),
]);
export type ConversionResponseFile = z.infer<typeof conversionResponseSchema>;

function decodeBase64(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const clean = text.replace(/[\r\n]/g, '').replace(/=+$/, '');
  let bits = 0;
  let buffer = 0;
  let escaped = '';
  for (const c of clean) {
    buffer = (buffer << 6) | alphabet.indexOf(c);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      escaped += `%${((buffer >> bits) & 0xff).toString(16).padStart(2, '0')}`;
    }
  }
  return decodeURIComponent(escaped);
}

/** The JSON Patch carried base64-encoded in an admission response's `patch`. Throws on bad input. */
export function decodeAdmissionPatch(patch: string): unknown {
  return JSON.parse(decodeBase64(patch));
}

function parseJsonFile<T extends z.ZodType>(text: string, schema: T, file: string): z.output<T> | undefined {
  if (text.trim() === '') return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw hookOutputFileError(file, 1, '', `invalid JSON (${(e as Error).message})`);
  }
  const parsed = safeParseWithRules(schema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0] as { path: string; message: string };
    throw hookOutputFileError(file, 1, issue.path, issue.message);
  }
  return parsed.data;
}

/**
 * An admission response file; undefined for an empty file (the webhook then denies with an
 * error). Throws HookOutputFileError for invalid JSON or fields (a hook failure: denied).
 */
export function parseAdmissionResponseFile(
  text: string,
  options: PatchFileOptions = {},
): AdmissionResponseFile | undefined {
  return parseJsonFile(text, admissionResponseSchema, options.file ?? 'admission response');
}

/**
 * A conversion response file; undefined for an empty file. A non-empty `failedMessage` means
 * failure even when objects are given too.
 */
export function parseConversionResponseFile(
  text: string,
  options: PatchFileOptions = {},
): ConversionResponseFile | undefined {
  return parseJsonFile(text, conversionResponseSchema, options.file ?? 'conversion response');
}

/**
 * The API server's rules for converted objects (HP §3.6): same count as the request, each in
 * `toVersion`, with kind and metadata name/namespace/uid of the object at the same position.
 * Returns the first broken rule, or undefined.
 */
export function checkConvertedObjects(
  requestObjects: readonly Record<string, unknown>[],
  converted: readonly Record<string, unknown>[],
  toVersion: string,
): string | undefined {
  if (converted.length !== requestObjects.length)
    return `expected ${requestObjects.length} converted objects, got ${converted.length}`;
  const meta = (o: Record<string, unknown>) => (o.metadata ?? {}) as Record<string, unknown>;
  for (const [i, out] of converted.entries()) {
    const input = requestObjects[i] as Record<string, unknown>;
    if (out.apiVersion !== toVersion)
      return `convertedObjects[${i}].apiVersion: must be ${toVersion} (got ${JSON.stringify(out.apiVersion)})`;
    if (out.kind !== input.kind)
      return `convertedObjects[${i}].kind: must stay ${JSON.stringify(input.kind)}`;
    for (const key of ['name', 'namespace', 'uid'])
      if (meta(out)[key] !== meta(input)[key])
        return `convertedObjects[${i}].metadata.${key}: must stay ${JSON.stringify(meta(input)[key])}`;
  }
  return undefined;
}
