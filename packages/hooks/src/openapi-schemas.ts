import { join } from 'node:path';
import type { Values } from '@converge/core';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import traverse from 'json-schema-traverse';
import { isYamlMap, ModulesDirError, readYamlMap, type YamlMap } from './modules-dir-files.js';

/**
 * OpenAPI values schemas of a module or of the global pseudo-module (addon-operator pkg/values/validation/schemas.go): three schemas —
 * config (`openapi/config-values.yaml`), values (`openapi/values.yaml`, optionally extending the
 * config schema with `x-extend`) and helm (values plus `x-required-for-helm`) — validated with ajv.
 */

export type JsonSchema = YamlMap;

export interface OpenApiSchemas {
  /** Transformed config-values schema (additionalProperties false where unset). */
  config?: JsonSchema;
  /** Transformed values schema, with the config schema inherited when it says `x-extend`. */
  values?: JsonSchema;
  /** The values schema with `x-required-for-helm` merged into `required` at every level. */
  helm?: JsonSchema;
  configFile?: string;
  valuesFile?: string;
}

export const CONFIG_VALUES_SCHEMA_FILE = 'config-values.yaml';
export const VALUES_SCHEMA_FILE = 'values.yaml';

/** Keywords whose value is one schema, or a map or list of schemas. */
const SCHEMA_KEYWORDS = [
  'items',
  'additionalProperties',
  'not',
  'additionalItems',
  'contains',
  'propertyNames',
];
const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'items'];

/** Rebuilds every schema node bottom-up with `fn` (keyword values that are not schemas are kept as is). */
function mapSchema(schema: JsonSchema, fn: (node: JsonSchema) => JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  for (const key of SCHEMA_KEYWORDS) {
    if (isYamlMap(out[key])) out[key] = mapSchema(out[key] as JsonSchema, fn);
  }
  for (const key of SCHEMA_LIST_KEYWORDS) {
    const list = out[key];
    if (Array.isArray(list)) out[key] = list.map((s) => (isYamlMap(s) ? mapSchema(s, fn) : s));
  }
  for (const key of SCHEMA_MAP_KEYWORDS) {
    const map = out[key];
    if (!isYamlMap(map)) continue;
    out[key] = Object.fromEntries(
      Object.entries(map).map(([name, s]) => [name, isYamlMap(s) ? mapSchema(s, fn) : s]),
    );
  }
  return fn(out);
}

/**
 * OpenAPI 2/3.0 schema nodes in the JSON Schema draft ajv reads (draft-07): boolean
 * `exclusiveMinimum`/`exclusiveMaximum` become numbers, and `$schema`/`$id`/`id` are dropped.
 */
export function normalizeOpenApiSchema(schema: JsonSchema): JsonSchema {
  const normalized = mapSchema(schema, (node) => {
    const out = { ...node };
    for (const [flag, bound] of [
      ['exclusiveMinimum', 'minimum'],
      ['exclusiveMaximum', 'maximum'],
    ] as const) {
      if (typeof out[flag] !== 'boolean') continue;
      if (out[flag] === true && typeof out[bound] === 'number') {
        out[flag] = out[bound];
        delete out[bound];
      } else {
        delete out[flag];
      }
    }
    return out;
  });
  delete normalized.$schema;
  delete normalized.$id;
  delete normalized.id;
  return normalized;
}

// json-schema-traverse 1.0 predates JSON Schema 2019-09/2020-12; its keyword tables are public and
// meant to be extended. ajv, which uses the same tables to find `$id`s, then sees those inside the two
// keywords too, which is what those drafts say.
const keywordTables = traverse as unknown as Record<'arrayKeywords' | 'propsKeywords', Record<string, true>>;
keywordTables.arrayKeywords.prefixItems = true;
keywordTables.propsKeywords.dependentSchemas = true;

/** Keywords whose schemas describe a value of their own (a property, an array item). */
const VALUE_KEYWORDS = new Set(['properties', 'items', 'prefixItems']);
/** Keywords whose schemas apply to the same value as their parent, walked through for their properties. */
const CONDITIONAL_KEYWORDS = new Set(['if', 'then', 'else', 'dependentSchemas']);

/**
 * `additionalProperties: false` wherever it is not set, on every schema that describes a value:
 * the root, its `properties` and array `items` recursively, as addon-operator's
 * AdditionalPropertiesTransformer does (pkg/values/validation/schema/additional-properties.go), and
 * also `prefixItems` and the properties declared inside `if`/`then`/`else` and `dependentSchemas`
 * (keywords go-openapi does not know). The conditional schemas themselves, and `allOf`/`anyOf`/
 * `oneOf`/`not`, are left as written: `false` there would reject the properties their parent
 * declares. Returns a new schema.
 */
export function withAdditionalPropertiesFalse(schema: JsonSchema): JsonSchema {
  const out = JSON.parse(JSON.stringify(schema)) as JsonSchema;
  // By JSON pointer: 'value' nodes get the default, 'through' nodes pass it on to their properties.
  const walk = new Map<string, 'value' | 'through' | 'other'>();
  const visit: traverse.Callback = (node, pointer, _root, parentPointer, keyword) => {
    const parent = parentPointer === undefined ? 'value' : walk.get(parentPointer);
    const reached = parent === 'value' || parent === 'through';
    const kind =
      keyword === undefined
        ? 'value'
        : reached && VALUE_KEYWORDS.has(keyword)
          ? 'value'
          : reached && CONDITIONAL_KEYWORDS.has(keyword)
            ? 'through'
            : 'other';
    walk.set(pointer, kind);
    if (kind === 'value' && !('additionalProperties' in node)) node.additionalProperties = false;
  };
  traverse(out, { cb: visit });
  return out;
}

const uniq = (list: unknown[]): unknown[] => [...new Set(list)];

/**
 * The values schema after `x-extend` (addon-operator pkg/values/validation/schemas.go): it inherits the parent's `definitions`,
 * `required` (parent's first), `properties`, `patternProperties`, `title`, `description` and
 * `x-*` extensions; its own entries win. `x-extend` itself is removed.
 */
export function extendSchema(child: JsonSchema, parent: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...child };
  delete out['x-extend'];
  for (const key of ['definitions', 'properties', 'patternProperties']) {
    const p = parent[key];
    const c = child[key];
    if (isYamlMap(p)) out[key] = { ...p, ...(isYamlMap(c) ? c : {}) };
  }
  const required = [
    ...(Array.isArray(parent.required) ? parent.required : []),
    ...(Array.isArray(child.required) ? child.required : []),
  ];
  if (required.length > 0) out.required = uniq(required);
  for (const [key, value] of Object.entries(parent)) {
    const inherited =
      key === 'title' || key === 'description' || (key.startsWith('x-') && key !== 'x-extend');
    if (inherited && !(key in out)) out[key] = value;
  }
  return out;
}

/**
 * The helm schema: `x-required-for-helm` (one name or a list of names) merged into `required` of
 * the root and of every schema under `properties`, recursively, and nowhere else (`items`,
 * `allOf`, … are left alone), as addon-operator's RequiredForHelmTransformer does
 * (pkg/values/validation/schema/required-for-helm.go). AO-65.
 */
export function withRequiredForHelm(schema: JsonSchema): JsonSchema {
  const out = mergeRequiredForHelm(schema);
  if (isYamlMap(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([name, s]) => [name, isYamlMap(s) ? withRequiredForHelm(s) : s]),
    );
  }
  return out;
}

function mergeRequiredForHelm(node: JsonSchema): JsonSchema {
  const extra = node['x-required-for-helm'];
  const names =
    typeof extra === 'string'
      ? [extra]
      : Array.isArray(extra) && extra.every((n) => typeof n === 'string')
        ? extra
        : [];
  if (names.length === 0) return { ...node };
  const required = Array.isArray(node.required) ? node.required : [];
  return { ...node, required: uniq([...required, ...names]) };
}

/** The `x-extend` target of a values schema, checked: only `config-values.yaml` can be extended. */
function extendTarget(values: JsonSchema, valuesFile: string): boolean {
  const ext = values['x-extend'];
  if (ext === undefined) return false;
  const target = isYamlMap(ext) ? ext.schema : undefined;
  if (target !== CONFIG_VALUES_SCHEMA_FILE) {
    throw new ModulesDirError(
      `${valuesFile}: x-extend: expected {schema: ${CONFIG_VALUES_SCHEMA_FILE}}, found ${JSON.stringify(ext)}`,
      valuesFile,
    );
  }
  return true;
}

/**
 * The three schemas from raw config and values schemas (either may be absent): normalize,
 * apply `x-extend`, then `additionalProperties: false`, then derive the helm schema.
 */
export function prepareOpenApiSchemas(raw: {
  config?: JsonSchema;
  values?: JsonSchema;
  configFile?: string;
  valuesFile?: string;
}): OpenApiSchemas {
  const out: OpenApiSchemas = { configFile: raw.configFile, valuesFile: raw.valuesFile };
  const config = raw.config ? normalizeOpenApiSchema(raw.config) : undefined;
  if (config) out.config = withAdditionalPropertiesFalse(config);
  if (raw.values) {
    const valuesFile = raw.valuesFile ?? VALUES_SCHEMA_FILE;
    let values = normalizeOpenApiSchema(raw.values);
    if (extendTarget(values, valuesFile)) {
      if (!config) {
        throw new ModulesDirError(
          `${valuesFile}: x-extend: ${CONFIG_VALUES_SCHEMA_FILE} does not exist beside it`,
          valuesFile,
        );
      }
      values = extendSchema(values, config);
    }
    out.values = withAdditionalPropertiesFalse(values);
    out.helm = withRequiredForHelm(out.values);
  }
  return out;
}

/** Reads and prepares `<openapiDir>/config-values.yaml` and `values.yaml` (each may be absent). */
export async function loadOpenApiSchemas(openapiDir: string): Promise<OpenApiSchemas> {
  const configFile = join(openapiDir, CONFIG_VALUES_SCHEMA_FILE);
  const valuesFile = join(openapiDir, VALUES_SCHEMA_FILE);
  const [config, values] = await Promise.all([readYamlMap(configFile), readYamlMap(valuesFile)]);
  return prepareOpenApiSchemas({
    config,
    values,
    configFile: config ? configFile : undefined,
    valuesFile: values ? valuesFile : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Validation with ajv

/** The checks a module or global definition carries (see `ModuleDefinition` in core). */
export interface SchemaChecks {
  validateConfigValues?(values: Values): string | undefined;
  validateValues?(values: Values): string | undefined;
  /** Validates the `<helmKey>` section of the chart values document `{global, <key>: …}`. */
  validateHelmValues?(values: Values): string | undefined;
  configDefaults?(values: Values): Values;
  valuesDefaults?(values: Values): Values;
}

const AJV_OPTIONS = { strict: false, allErrors: true, logger: false, validateFormats: false } as const;

/**
 * The two ajv instances schemas compile into: one validating, one applying defaults. Compiled
 * schemas live as long as their compiler, so a loader makes one per load.
 */
export interface SchemaCompiler {
  validating: Ajv;
  defaulting: Ajv;
}

export function createSchemaCompiler(): SchemaCompiler {
  return { validating: new Ajv(AJV_OPTIONS), defaulting: new Ajv({ ...AJV_OPTIONS, useDefaults: true }) };
}

const MAX_REPORTED_ERRORS = 10;
const pointerToken = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');

/** One ajv error as `<path>: <rule>`, the path being an RFC 6901 pointer into the section. */
export function formatSchemaError(e: ErrorObject): string {
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at}/${pointerToken(String(params.additionalProperty))}: is not allowed (additionalProperties is false)`;
    case 'required':
      return `${at}/${pointerToken(String(params.missingProperty))}: is required`;
    case 'enum':
      return `${at || '/'}: must be one of ${JSON.stringify(params.allowedValues)}`;
    default:
      return `${at || '/'}: ${e.message ?? e.keyword}`;
  }
}

function compile(ajv: Ajv, schema: JsonSchema, file: string): ValidateFunction {
  try {
    return ajv.compile(schema);
  } catch (e) {
    throw new ModulesDirError(`${file}: invalid schema: ${(e as Error).message}`, file, { cause: e });
  }
}

function validator(owner: string, what: string, fn: ValidateFunction) {
  return (values: Values): string | undefined => {
    if (fn(values)) return undefined;
    const errors = fn.errors ?? [];
    const shown = uniq(errors.map(formatSchemaError)).slice(0, MAX_REPORTED_ERRORS);
    const more =
      errors.length > MAX_REPORTED_ERRORS ? ` (and ${errors.length - MAX_REPORTED_ERRORS} more)` : '';
    return `${owner}: ${what}: ${shown.join('; ')}${more}`;
  };
}

function defaulter(fn: ValidateFunction) {
  return (values: Values): Values => {
    const copy = structuredClone(values);
    fn(copy);
    return copy;
  };
}

/**
 * Compiles the schemas into the definition's checks. `owner` prefixes every message
 * (`module my-module`, `global`); messages read `module my-module: config values: /replicas:
 * must be integer`. `helmKey` (a module's values key) enables `validateHelmValues`. An absent
 * schema leaves its checks undefined (validation is then a no-op, addon-operator pkg/values/validation/schemas.go). Throws
 * ModulesDirError naming the file when ajv rejects a schema.
 */
export function compileSchemaChecks(
  owner: string,
  schemas: OpenApiSchemas,
  helmKey?: string,
  compiler: SchemaCompiler = createSchemaCompiler(),
): SchemaChecks {
  const checks: SchemaChecks = {};
  if (schemas.config) {
    const file = schemas.configFile ?? CONFIG_VALUES_SCHEMA_FILE;
    checks.validateConfigValues = validator(
      owner,
      'config values',
      compile(compiler.validating, schemas.config, file),
    );
    checks.configDefaults = defaulter(compile(compiler.defaulting, schemas.config, file));
  }
  if (schemas.values) {
    const file = schemas.valuesFile ?? VALUES_SCHEMA_FILE;
    checks.validateValues = validator(owner, 'values', compile(compiler.validating, schemas.values, file));
    checks.valuesDefaults = defaulter(compile(compiler.defaulting, schemas.values, file));
    if (schemas.helm && helmKey !== undefined) {
      const helm = validator(owner, 'helm values', compile(compiler.validating, schemas.helm, file));
      checks.validateHelmValues = (doc: Values) => {
        const section = doc[helmKey];
        return helm(isYamlMap(section) ? section : {});
      };
    }
  }
  return checks;
}
