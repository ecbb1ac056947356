import type { HookMetricOperation, ObjectPatchOperation } from '@converge/core';
import { parseGoYamlDocuments } from '@converge/kube-model';
import {
  type JsonPatchOperation,
  type KubeObject,
  kubeObjectSchema,
  metricOperationProblem,
  objectPatchOperationSchema,
} from '@converge/protocol';
import { JsonStreamError, parseJsonStream } from './json-stream.js';

/**
 * Parsers of the files a hook writes (addon-operator pkg/utils/values_patch.go, shell-operator pkg/kube/object_patch/patch.go, shell-operator pkg/hook/operation.go). Each throws `HookOutputError` naming
 * what is wrong; the runner adds the file. Nothing is applied here.
 */
export class HookOutputError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function stream(text: string, what: string): unknown[] {
  try {
    return parseJsonStream(text);
  } catch (e) {
    if (e instanceof JsonStreamError) throw new HookOutputError(`bad ${what}: ${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Values patches (VALUES_JSON_PATCH_PATH, CONFIG_VALUES_JSON_PATCH_PATH)

const patchOps = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * A stream of JSON values, each an array of operations or one operation; other values are ignored.
 * Each operation keeps only `op`, `path` and `value`, as addon-operator does (so `move`/`copy` fail
 * later for lack of `from`).
 */
export function parseValuesPatchFile(text: string): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  for (const value of stream(text, 'json-patch data')) {
    const items = Array.isArray(value) ? value : isObject(value) ? [value] : [];
    for (const item of items) {
      const n = ops.length;
      if (!isObject(item)) throw new HookOutputError(`operation ${n + 1} is not an object`);
      if (typeof item.op !== 'string' || !patchOps.has(item.op))
        throw new HookOutputError(
          `operation ${n + 1}: unsupported patch operation ${JSON.stringify(item.op)}`,
        );
      if (typeof item.path !== 'string')
        throw new HookOutputError(`operation ${n + 1} (${item.op}): "path" must be a string`);
      ops.push({
        op: item.op as JsonPatchOperation['op'],
        path: item.path,
        ...(Object.hasOwn(item, 'value') ? { value: item.value } : {}),
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes object patches (KUBERNETES_PATCH_PATH)

const canonicalKeys = [
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
const byLowerCase = new Map(canonicalKeys.map((k) => [k.toLowerCase(), k]));

/** Go's JSON decoding matches struct fields case-insensitively; YAML keys stay as written. */
function canonicalize(doc: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    const canonical = byLowerCase.get(key.toLowerCase());
    if (canonical && !(canonical in out && key !== canonical)) out[canonical] = value;
  }
  return out;
}

function readDocuments(text: string): Record<string, unknown>[] {
  let json: unknown[] | undefined;
  try {
    json = parseJsonStream(text);
  } catch {
    json = undefined;
  }
  if (json?.every(isObject)) return json.map(canonicalize);
  if (json?.some(Array.isArray))
    throw new HookOutputError(
      'a JSON array of operations is not accepted; write one operation object per line',
    );
  const docs = parseGoYamlDocuments(text);
  if (!docs.ok)
    throw new HookOutputError(`document ${docs.index + 1} is neither JSON nor YAML: ${docs.error}`);
  const out: Record<string, unknown>[] = [];
  for (const [i, value] of docs.values.entries()) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value))
      throw new HookOutputError(
        `document ${i + 1} is an array; write one operation per document (separate them with ---)`,
      );
    if (!isObject(value)) throw new HookOutputError(`document ${i + 1} is not an object`);
    out.push(value);
  }
  return out;
}

function manifest(value: unknown, field: string): unknown {
  if (typeof value !== 'string') return value;
  const docs = parseGoYamlDocuments(value);
  if (!docs.ok)
    throw new HookOutputError(`"${field}" is a string that is neither YAML nor JSON: ${docs.error}`);
  return docs.values[0] ?? null;
}

const createOps = new Set(['Create', 'CreateOrUpdate', 'CreateIfNotExists']);
const deleteOps = new Set(['Delete', 'DeleteInBackground', 'DeleteNonCascading']);
const patchFields: Record<string, string> = {
  MergePatch: 'mergePatch',
  JSONPatch: 'jsonPatch',
  JQPatch: 'jqFilter',
};

function operationOf(doc: Record<string, unknown>): ObjectPatchOperation {
  for (const key of ['operation', 'apiVersion', 'kind', 'namespace', 'name', 'subresource', 'jqFilter'])
    if (doc[key] != null && typeof doc[key] !== 'string')
      throw new HookOutputError(`"${key}" must be a string`);
  for (const key of ['ignoreMissingObject', 'ignoreMissingObjects', 'ignoreHookError'])
    if (doc[key] != null && typeof doc[key] !== 'boolean')
      throw new HookOutputError(`"${key}" must be a boolean`);
  const op = doc.operation as string | undefined;
  if (!op) throw new HookOutputError('"operation" is required');
  const str = (key: string) => (doc[key] as string | undefined) || undefined;
  if (createOps.has(op)) {
    const object = manifest(doc.object, 'object');
    if (!isObject(object) || Object.keys(object).length === 0)
      throw new HookOutputError(`${op} needs a non-empty "object"`);
    const parsed = kubeObjectSchema.safeParse(object);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HookOutputError(`${op}: object.${issue?.path.join('.')}: ${issue?.message}`);
    }
    const subresource = str('subresource');
    return {
      operation: op as 'Create',
      object: object as KubeObject,
      ...(subresource ? { subresource } : {}),
    };
  }
  const kind = str('kind');
  const name = str('name');
  if (!kind || !name) throw new HookOutputError(`${op || 'operation'} needs "kind" and "name"`);
  const namespace = str('namespace');
  const coordinates = {
    apiVersion: str('apiVersion') ?? '',
    kind,
    ...(namespace ? { namespace } : {}),
    name,
  };
  if (deleteOps.has(op)) return { operation: op as 'Delete', ...coordinates };
  const field = patchFields[op];
  if (!field)
    throw new HookOutputError(
      `unknown operation ${JSON.stringify(op)} (expected Create, CreateOrUpdate, CreateIfNotExists, Delete, DeleteInBackground, DeleteNonCascading, MergePatch, JSONPatch or JQPatch)`,
    );
  const patch = field === 'jqFilter' ? doc.jqFilter : manifest(doc[field], field);
  if (field === 'mergePatch' && !(isObject(patch) && Object.keys(patch).length > 0))
    throw new HookOutputError('MergePatch needs a non-empty "mergePatch" object');
  if (field === 'jsonPatch' && !(Array.isArray(patch) && patch.length > 0))
    throw new HookOutputError('JSONPatch needs a non-empty "jsonPatch" array');
  if (field === 'jqFilter' && !patch) throw new HookOutputError('JQPatch needs "jqFilter"');
  const subresource = str('subresource');
  const ignoreMissing = doc.ignoreMissingObject ?? doc.ignoreMissingObjects;
  // The field matches the operation (patchFields); parseObjectPatchFile checks the result against the schema.
  return {
    operation: op,
    ...coordinates,
    [field]: patch,
    ...(subresource ? { subresource } : {}),
    ...(ignoreMissing === true ? { ignoreMissingObject: true } : {}),
  } as ObjectPatchOperation;
}

/**
 * A stream of JSON objects or a YAML multi-document stream, one operation per document; the first
 * invalid document rejects the whole file. `ignoreMissingObjects` (module-sdk's spelling) is read as
 * `ignoreMissingObject`.
 */
export function parseObjectPatchFile(text: string): ObjectPatchOperation[] {
  if (text.trim() === '') return [];
  return readDocuments(text).map((doc, i) => {
    try {
      const op = operationOf(doc);
      // The protocol's schema is the contract of an operation; the reader must only produce valid ones.
      const checked = objectPatchOperationSchema.safeParse(op);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        throw new HookOutputError(`${issue?.path.join('.') || 'operation'}: ${issue?.message ?? 'invalid'}`);
      }
      return op;
    } catch (e) {
      if (e instanceof HookOutputError) throw new HookOutputError(`operation ${i + 1}: ${e.message}`);
      throw e;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Metrics (METRICS_PATH)

const metricActions = new Set(['add', 'set', 'observe', 'expire']);

/**
 * A stream of metric objects. `set`/`add` shortcuts are expanded, unknown or empty actions dropped,
 * an empty group becomes `defaultGroup` (the hook name); any invalid operation rejects the file.
 */
export function parseMetricsFile(text: string, defaultGroup: string): HookMetricOperation[] {
  const ops: HookMetricOperation[] = [];
  for (const [i, raw] of stream(text, 'metrics').entries()) {
    const at = `metric ${i + 1}`;
    if (!isObject(raw)) throw new HookOutputError(`got bad metrics: ${at} is not an object`);
    const m = canonicalMetric(raw);
    let action = m.action;
    let value = m.value;
    if (m.set !== undefined && m.add === undefined) [action, value] = ['set', m.set];
    else if (m.add !== undefined && m.set === undefined) [action, value] = ['add', m.add];
    for (const key of ['name', 'action', 'group'] as const)
      if (m[key] != null && typeof m[key] !== 'string')
        throw new HookOutputError(`${at}: "${key}" must be a string`);
    for (const [key, v] of [
      ['value', value],
      ['set', m.set],
      ['add', m.add],
    ] as const)
      if (v != null && typeof v !== 'number') throw new HookOutputError(`${at}: "${key}" must be a number`);
    if (typeof action !== 'string' || !metricActions.has(action)) continue;
    const name = (m.name as string | undefined) ?? '';
    const named = name ? `${at} (${name})` : at;
    let buckets: number[] | undefined;
    if (m.buckets != null) {
      if (!Array.isArray(m.buckets) || !m.buckets.every((b) => typeof b === 'number'))
        throw new HookOutputError(`${named}: "buckets" must be an array of numbers`);
      buckets = m.buckets as number[];
    }
    const problem = metricOperationProblem({ name, action, value, buckets });
    if (problem) throw new HookOutputError(`${named}: ${problem.message}`);
    let labels: Record<string, string> | undefined;
    if (m.labels != null) {
      if (!isObject(m.labels) || !Object.values(m.labels).every((l) => typeof l === 'string'))
        throw new HookOutputError(`${at} (${name}): "labels" must map names to strings`);
      labels = m.labels as Record<string, string>;
    }
    ops.push({
      name,
      action: action as HookMetricOperation['action'],
      ...(typeof value === 'number' ? { value } : {}),
      ...(labels ? { labels } : {}),
      ...(buckets ? { buckets } : {}),
      group: (m.group as string | undefined) || defaultGroup,
    });
  }
  return ops;
}

function canonicalMetric(raw: Record<string, unknown>): Record<string, unknown> {
  const keys = ['name', 'action', 'value', 'buckets', 'labels', 'group', 'set', 'add'];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = keys.find((k) => k === key.toLowerCase());
    if (canonical && !(canonical in out && key !== canonical)) out[canonical] = value;
  }
  return out;
}
