import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeValues, type Values } from '@converge/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  compileSchemaChecks,
  type DirModuleDefinition,
  loadModulesDir,
  ModulesDirError,
  prepareOpenApiSchemas,
  withAdditionalPropertiesFalse,
  withRequiredForHelm,
} from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const schemasDir = join(fixtures, 'modules-schemas');
const globalHooksDir = join(fixtures, 'modules-schemas-global');

async function moduleA(): Promise<DirModuleDefinition> {
  const def = (await loadModulesDir(schemasDir, { globalHooksDir })).definition('a');
  if (!def) throw new Error('module a not loaded');
  return def;
}

const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A modules root with module `010-a` whose openapi/ holds `files`. */
function moduleWithSchemas(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'converge-openapi-test-'));
  temps.push(root);
  mkdirSync(join(root, '010-a', 'openapi'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, '010-a', 'openapi', name), text);
  return root;
}

describe('config values schema', () => {
  it('accepts valid config and names module, path and rule for invalid config', async () => {
    const a = await moduleA();
    expect(
      a.validateConfigValues?.({ z: 3, replicas: 2, mode: 'fast', tls: { enabled: false } }),
    ).toBeUndefined();
    expect(a.validateConfigValues?.({ z: 3, replicas: 'two' })).toBe(
      'module a: config values: /replicas: must be integer',
    );
    expect(a.validateConfigValues?.({ z: 3, mode: 'slow' })).toBe(
      'module a: config values: /mode: must be one of ["fast","safe"]',
    );
    expect(a.validateConfigValues?.({ replicas: 2 })).toBe('module a: config values: /z: is required');
  });

  it('additionalProperties defaults to false at every level where unset, and stays as written where set', async () => {
    const a = await moduleA();
    expect(a.validateConfigValues?.({ z: 1, unknown: 1 })).toBe(
      'module a: config values: /unknown: is not allowed (additionalProperties is false)',
    );
    expect(a.validateConfigValues?.({ z: 1, tls: { enabled: true, extra: 'x' } })).toBe(
      'module a: config values: /tls/extra: is not allowed (additionalProperties is false)',
    );
    // `labels` declares additionalProperties: {type: string}.
    expect(a.validateConfigValues?.({ z: 1, labels: { team: 'core', tier: 'gold' } })).toBeUndefined();
    expect(a.validateConfigValues?.({ z: 1, labels: { team: 5 } })).toBe(
      'module a: config values: /labels/team: must be string',
    );
  });

  it('reports every violation in one message', async () => {
    const a = await moduleA();
    expect(a.validateConfigValues?.({ replicas: 'x', bogus: true })).toBe(
      'module a: config values: /z: is required; /bogus: is not allowed (additionalProperties is false); ' +
        '/replicas: must be integer',
    );
  });

  it('OpenAPI boolean exclusiveMaximum is honoured', async () => {
    const a = await moduleA();
    expect(a.validateConfigValues?.({ z: 1, replicas: 4 })).toBeUndefined();
    expect(a.validateConfigValues?.({ z: 1, replicas: 5 })).toBe(
      'module a: config values: /replicas: must be < 5',
    );
    expect(a.validateConfigValues?.({ z: 1, replicas: 0 })).toBe(
      'module a: config values: /replicas: must be >= 1',
    );
  });

  it('configDefaults applies defaults to a copy, nested defaults only inside objects that exist', async () => {
    const a = await moduleA();
    const input: Values = { x: 1, tls: {} };
    expect(a.configDefaults?.(input)).toEqual({ x: 1, w: 0, tls: { enabled: true } });
    expect(input).toEqual({ x: 1, tls: {} });
    expect(a.configDefaults?.({ w: 7 })).toEqual({ w: 7 });
  });
});

describe('values schema with x-extend', () => {
  it('inherits properties, required (parent first), description and x-* extensions from config-values.yaml', async () => {
    const a = await moduleA();
    const values = a.schemas.values ?? {};
    expect(Object.keys(values.properties as object)).toEqual([
      'w',
      'z',
      'replicas',
      'mode',
      'tls',
      'labels',
      'x',
      'y',
      'v',
      'p1',
      'p2',
      'internal',
    ]);
    expect(values.required).toEqual(['z']);
    expect(values.description).toBe('settings of module a');
    expect(values['x-config-note']).toBe('inherited by the values schema');
    expect(values['x-extend']).toBeUndefined();
    expect(
      a.validateValues?.({ x: 1, y: 2, z: 3, w: 0, v: 9, replicas: 2, tls: { enabled: true } }),
    ).toBeUndefined();
    expect(a.validateValues?.({ z: 3, x: 'one' })).toBe('module a: values: /x: must be integer');
    expect(a.validateValues?.({ z: 3, internal: { items: [{ name: 'n', extra: 1 }] } })).toBe(
      'module a: values: /internal/items/0/extra: is not allowed (additionalProperties is false)',
    );
  });

  it('valuesDefaults applies the values schema defaults, inherited ones included', async () => {
    const a = await moduleA();
    expect(a.valuesDefaults?.({ x: 1 })).toEqual({ x: 1, w: 0, v: 9 });
  });

  it('AO-80 layering: static, config defaults, config, values defaults, then the hook patch', async () => {
    const a = await moduleA();
    expect(a.staticValues).toEqual({ x: 1, y: 2, z: 1 });
    const values = computeValues({
      key: 'a',
      staticValues: a.staticValues,
      configValues: { z: 3 },
      configDefaults: a.configDefaults,
      valuesDefaults: a.valuesDefaults,
      patches: [{ op: 'add', path: '/a/x', value: 4 }],
    });
    expect(values).toEqual({ x: 4, y: 2, z: 3, w: 0, v: 9 });
  });

  it('x-extend must name config-values.yaml, which must exist', async () => {
    const other = moduleWithSchemas({
      'config-values.yaml': 'type: object\n',
      'values.yaml': 'x-extend: {schema: other.yaml}\ntype: object\n',
    });
    const err = await loadModulesDir(other).catch((e) => e);
    expect(err).toBeInstanceOf(ModulesDirError);
    expect(err.message).toBe(
      `${join(other, '010-a', 'openapi', 'values.yaml')}: x-extend: expected {schema: config-values.yaml}, ` +
        'found {"schema":"other.yaml"}',
    );
    const missing = moduleWithSchemas({
      'values.yaml': 'x-extend: {schema: config-values.yaml}\ntype: object\n',
    });
    await expect(loadModulesDir(missing)).rejects.toThrow(
      'x-extend: config-values.yaml does not exist beside it',
    );
  });
});

describe('helm values schema (x-required-for-helm)', () => {
  it('AO-65 hook values with only p1 pass the values schema but fail the helm schema until p2 is set', async () => {
    const a = await moduleA();
    const withP1 = { x: 1, y: 2, z: 3, p1: 'one' };
    expect(a.validateValues?.(withP1)).toBeUndefined();
    expect(a.validateHelmValues?.({ global: {}, a: withP1 })).toBe('module a: helm values: /p2: is required');
    expect(a.validateHelmValues?.({ global: {}, a: { ...withP1, p2: 'two' } })).toBeUndefined();
  });

  it('merges x-required-for-helm into required at nested levels too', async () => {
    const a = await moduleA();
    const doc = { global: {}, a: { z: 3, p1: '1', p2: '2', internal: {} } };
    expect(a.validateHelmValues?.(doc)).toBe('module a: helm values: /internal/token: is required');
    expect(a.validateValues?.(doc.a)).toBeUndefined();
  });

  it('withRequiredForHelm keeps existing required entries first and does not duplicate', () => {
    expect(
      withRequiredForHelm({
        required: ['a'],
        'x-required-for-helm': ['a', 'b'],
        properties: { n: { type: 'object', 'x-required-for-helm': ['c'] } },
      }),
    ).toEqual({
      required: ['a', 'b'],
      'x-required-for-helm': ['a', 'b'],
      properties: { n: { type: 'object', 'x-required-for-helm': ['c'], required: ['c'] } },
    });
  });

  it('AO-65 the string form names one field; only properties are walked, not items or allOf (RequiredForHelmTransformer)', async () => {
    const root = moduleWithSchemas({
      'values.yaml': [
        'type: object',
        'x-required-for-helm: token',
        'properties:',
        '  token: {type: string}',
        '  list:',
        '    type: array',
        '    items:',
        '      type: object',
        '      x-required-for-helm: [name]',
        '  mixed:',
        '    type: object',
        '    allOf:',
        '      - x-required-for-helm: [host]',
        '',
      ].join('\n'),
    });
    const a = (await loadModulesDir(root)).definition('a')!;
    expect(a.validateHelmValues?.({ global: {}, a: {} })).toBe('module a: helm values: /token: is required');
    // An array item or an allOf branch without its x-required-for-helm field is accepted, as in addon-operator.
    expect(a.validateHelmValues?.({ global: {}, a: { token: 't', list: [{}], mixed: {} } })).toBeUndefined();
  });
});

describe('schema loading', () => {
  it('a module without openapi/ has no checks (validation is a no-op)', async () => {
    const b = (await loadModulesDir(schemasDir)).definition('b');
    expect(b?.validateConfigValues).toBeUndefined();
    expect(b?.validateValues).toBeUndefined();
    expect(b?.validateHelmValues).toBeUndefined();
    expect(b?.configDefaults).toBeUndefined();
  });

  it('global schemas come from <globalHooksDir>/openapi, with defaults and no helm check', async () => {
    const g = await (await loadModulesDir(schemasDir, { globalHooksDir })).global();
    expect(g.staticValues).toEqual({ clusterName: 'test' });
    expect(g.validateConfigValues?.({ clusterName: 'c', logLevel: 3 })).toBe(
      'global: config values: /logLevel: must be string',
    );
    expect(g.configDefaults?.({})).toEqual({ logLevel: 'info' });
    expect(g.valuesDefaults?.({ clusterName: 'c' })).toEqual({
      clusterName: 'c',
      logLevel: 'info',
      internal: { ready: false },
    });
    expect(g.validateValues?.({ internal: { ready: 'no' } })).toBe(
      'global: values: /internal/ready: must be boolean',
    );
    expect('validateHelmValues' in g).toBe(false);
    const none = await (await loadModulesDir(schemasDir)).global();
    expect(none.validateConfigValues).toBeUndefined();
  });

  it('a schema ajv cannot compile, or bad YAML, is an error naming the file', async () => {
    const badType = moduleWithSchemas({
      'config-values.yaml': 'type: object\nproperties:\n  a: {type: integr}\n',
    });
    const err = await loadModulesDir(badType).catch((e) => e);
    expect(err).toBeInstanceOf(ModulesDirError);
    expect(err.file).toBe(join(badType, '010-a', 'openapi', 'config-values.yaml'));
    expect(err.message).toContain('invalid schema');
    const badYaml = moduleWithSchemas({ 'values.yaml': 'type: [object\n' });
    await expect(loadModulesDir(badYaml)).rejects.toThrow(
      `${join(badYaml, '010-a', 'openapi', 'values.yaml')}: invalid YAML`,
    );
  });

  it('withAdditionalPropertiesFalse recurses into properties and items only', () => {
    expect(
      withAdditionalPropertiesFalse({
        type: 'object',
        properties: {
          open: { type: 'object', additionalProperties: true },
          list: { type: 'array', items: { type: 'object' } },
        },
        anyOf: [{ type: 'object' }],
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        open: { type: 'object', additionalProperties: true },
        list: {
          type: 'array',
          additionalProperties: false,
          items: { type: 'object', additionalProperties: false },
        },
      },
      anyOf: [{ type: 'object' }],
    });
  });

  it('withAdditionalPropertiesFalse also reaches prefixItems and the properties inside if/then/else and dependentSchemas, not the conditional schemas themselves', () => {
    const out = withAdditionalPropertiesFalse({
      type: 'object',
      properties: { mode: { type: 'string' }, tuple: { type: 'array', prefixItems: [{ type: 'object' }] } },
      if: { properties: { mode: { const: 'tls' } } },
      // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
      then: { properties: { tls: { type: 'object', properties: { cert: { type: 'object' } } } } },
      else: { properties: { plain: { type: 'object' } } },
      dependentSchemas: { mode: { properties: { extra: { type: 'object' } } } },
      allOf: [{ properties: { kept: { type: 'object' } } }],
    });
    expect(out.additionalProperties).toBe(false);
    expect(out.if).toEqual({ properties: { mode: { const: 'tls', additionalProperties: false } } });
    expect(out.then).toEqual({
      properties: {
        tls: {
          type: 'object',
          additionalProperties: false,
          properties: { cert: { type: 'object', additionalProperties: false } },
        },
      },
    });
    expect(out.else).toEqual({ properties: { plain: { type: 'object', additionalProperties: false } } });
    expect(out.dependentSchemas).toEqual({
      mode: { properties: { extra: { type: 'object', additionalProperties: false } } },
    });
    expect((out.properties as Record<string, { prefixItems: unknown }>).tuple.prefixItems).toEqual([
      { type: 'object', additionalProperties: false },
    ]);
    // allOf branches stay as written, as in addon-operator.
    expect(out.allOf).toEqual([{ properties: { kept: { type: 'object' } } }]);
  });

  it("an object declared in a then branch rejects keys it does not declare; the branch itself accepts the parent's keys", () => {
    const schemas = prepareOpenApiSchemas({
      config: {
        type: 'object',
        properties: { mode: { type: 'string' }, tls: { type: 'object', additionalProperties: true } },
        if: { properties: { mode: { const: 'tls' } } },
        // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword
        then: { required: ['tls'], properties: { tls: { properties: { cert: { type: 'string' } } } } },
      },
    });
    const checks = compileSchemaChecks('module a', schemas);
    expect(checks.validateConfigValues!({ mode: 'tls', tls: { cert: 'x' } })).toBeUndefined();
    expect(checks.validateConfigValues!({ mode: 'plain' })).toBeUndefined();
    expect(checks.validateConfigValues!({ mode: 'tls', tls: { cert: 'x', key: 'y' } })).toBe(
      'module a: config values: /tls/key: is not allowed (additionalProperties is false); /: must match "then" schema',
    );
  });

  it('prepared schemas compile for any owner; boolean exclusiveMinimum becomes the draft-07 number', () => {
    const schemas = prepareOpenApiSchemas({
      config: { type: 'object', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } } },
    });
    const checks = compileSchemaChecks('module demo', schemas, 'demo');
    expect(checks.validateConfigValues?.({ n: 0 })).toBe('module demo: config values: /n: must be > 0');
    expect(checks.validateConfigValues?.({ n: 0.5 })).toBeUndefined();
    expect(checks.validateValues).toBeUndefined();
  });
});
