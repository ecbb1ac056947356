import { z } from 'zod';

/**
 * shell-operator's webhook files (shell-operator pkg/webhook/admission/response.go, shell-operator pkg/webhook/conversion/response.go) and binding contexts (shell-operator pkg/hook/binding_context/binding_context.go). addon-operator
 * parses `kubernetesValidating`/`kubernetesMutating`/`kubernetesCustomResourceConversion` but does
 * not serve them, and neither does converge; these pure functions give embedders that serve
 * webhooks themselves the exact shapes, and pin the vectors.
 */

export const admissionResponseFileSchema = z.object({
  allowed: z.boolean(),
  message: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  /** base64 of a JSON Patch array (mutating webhooks). */
  patch: z.string().optional(),
});

export interface AdmissionReviewResponse {
  uid: string;
  allowed: boolean;
  status?: { message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** base64 JSON Patch, as the API server expects it. */
  patch?: string;
}

/**
 * The AdmissionReview response for a hook run: a failed run or an empty file denies ("Hook
 * failed" / an error message); invalid JSON is a hook failure.
 */
export function admissionResponse(
  uid: string,
  run: { ok: true; file: string } | { ok: false },
): AdmissionReviewResponse {
  if (!run.ok) return { uid, allowed: false, status: { message: 'Hook failed' } };
  if (run.file.trim() === '')
    return { uid, allowed: false, status: { message: 'hook wrote no admission response' } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(run.file);
  } catch {
    return { uid, allowed: false, status: { message: 'Hook failed' } };
  }
  const r = admissionResponseFileSchema.safeParse(parsed);
  if (!r.success) return { uid, allowed: false, status: { message: 'Hook failed' } };
  const out: AdmissionReviewResponse = { uid, allowed: r.data.allowed };
  if (!r.data.allowed) out.status = { message: r.data.message ?? '' };
  if (r.data.warnings?.length) out.warnings = r.data.warnings;
  if (r.data.patch) {
    out.patchType = 'JSONPatch';
    out.patch = r.data.patch;
  }
  return out;
}

export const conversionResponseFileSchema = z.union([
  z.object({ convertedObjects: z.array(z.record(z.string(), z.unknown())) }),
  z.object({ failedMessage: z.string() }),
]);

export interface ConversionReviewResponse {
  uid: string;
  result: { status: 'Success' | 'Failure'; message?: string };
  convertedObjects?: Record<string, unknown>[];
}

/** The ConversionReview response for a conversion hook's file. */
export function conversionResponse(uid: string, file: string): ConversionReviewResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(file);
  } catch {
    return { uid, result: { status: 'Failure', message: 'conversion hook wrote no valid response' } };
  }
  const r = conversionResponseFileSchema.safeParse(parsed);
  if (!r.success)
    return { uid, result: { status: 'Failure', message: 'conversion hook wrote no valid response' } };
  if ('failedMessage' in r.data) return { uid, result: { status: 'Failure', message: r.data.failedMessage } };
  return { uid, result: { status: 'Success' }, convertedObjects: r.data.convertedObjects };
}

/** A Validating or Mutating binding context: `review` holds only the request (shell-operator pkg/hook/binding_context/binding_context.go). */
export function admissionContext(
  binding: string,
  type: 'Validating' | 'Mutating',
  request: Record<string, unknown>,
  snapshots?: Record<string, unknown[]>,
): Record<string, unknown> {
  return { binding, ...(snapshots ? { snapshots } : {}), type, review: { request } };
}

/** A Conversion binding context (shell-operator pkg/hook/binding_context/binding_context.go). */
export function conversionContext(
  binding: string,
  fromVersion: string,
  toVersion: string,
  request: { uid: string; desiredAPIVersion: string; objects: unknown[] },
  snapshots?: Record<string, unknown[]>,
): Record<string, unknown> {
  return {
    binding,
    ...(snapshots ? { snapshots } : {}),
    type: 'Conversion',
    fromVersion,
    toVersion,
    review: { request },
  };
}
