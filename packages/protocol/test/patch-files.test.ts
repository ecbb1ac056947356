import { describe, expect, it } from 'vitest';
import { isConvergeError } from '../src/errors.js';
import {
  HookOutputFileError,
  parseObjectPatchJsonStream,
  parseValuesPatchFile,
  readJsonStream,
} from '../src/patch-files.js';

function failure(fn: () => unknown): HookOutputFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HookOutputFileError) return e;
    throw e;
  }
  throw new Error('expected a HookOutputFileError');
}

describe('values patch files (HP §3.1 stream format)', () => {
  it('TV-40 a stream of arrays and single operations, in file order', () => {
    const file = [
      '[{"op":"add","path":"/myModule/a","value":1}]',
      '{"op":"add","path":"/myModule/b","value":{"c":true}}',
      '[{"op":"remove","path":"/myModule/old"}]',
      '',
    ].join('\n');
    expect(parseValuesPatchFile(file)).toEqual([
      { op: 'add', path: '/myModule/a', value: 1 },
      { op: 'add', path: '/myModule/b', value: { c: true } },
      { op: 'remove', path: '/myModule/old' },
    ]);
  });

  it('empty files, other JSON values, dropped fields and values without separators', () => {
    expect(parseValuesPatchFile('')).toEqual([]);
    expect(parseValuesPatchFile('  \n\t')).toEqual([]);
    expect(parseValuesPatchFile('1 "x" null true {"op":"add","path":"/m/a","value":null}')).toEqual([
      { op: 'add', path: '/m/a', value: null },
    ]);
    expect(parseValuesPatchFile('[{"op":"move","from":"/m/a","path":"/m/b","extra":1}]')).toEqual([
      { op: 'move', path: '/m/b' },
    ]);
    expect(
      parseValuesPatchFile('[{"op":"add","path":"/m/a","value":"]"}][{"op":"test","path":"/m/a","value":1}]'),
    ).toEqual([
      { op: 'add', path: '/m/a', value: ']' },
      { op: 'test', path: '/m/a', value: 1 },
    ]);
  });

  it('bad files name the file, the document and the field', () => {
    const bad = failure(() =>
      parseValuesPatchFile('[{"op":"add","path":"/a","value":1}]\n{"op": "add",', { file: 'values.json' }),
    );
    expect(isConvergeError(bad)).toBe(true);
    expect([bad.file, bad.document]).toEqual(['values.json', 2]);
    expect(bad.message).toMatch(/^values\.json: document 2: invalid JSON/);
    const op = failure(() => parseValuesPatchFile('{"op":"add","path":"/a"}\n[{"op":"inc","path":"/a"}]'));
    expect([op.document, op.field]).toEqual([2, '[0].op']);
    expect(op.message).toMatch(/unsupported patch operation "inc"/);
    expect(failure(() => parseValuesPatchFile('{"op":"add","path":5}')).field).toBe('path');
    expect(failure(() => parseValuesPatchFile('[1]')).field).toBe('[0]');
  });

  it('readJsonStream reads whitespace-separated and adjacent values', () => {
    expect(readJsonStream('{"a":"}{"}{"b":[1,{"c":"\\""}]} 2\n"s"')).toEqual([
      { a: '}{' },
      { b: [1, { c: '"' }] },
      2,
      's',
    ]);
    expect(failure(() => readJsonStream('{"a":1')).document).toBe(1);
  });
});

describe('object patch files as a JSON stream (HP §3.3)', () => {
  it('TV-50 valid NDJSON gives three operations in order', () => {
    const file = [
      '{"operation":"CreateOrUpdate","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1","namespace":"ns1"},"data":{"k":"v"}}}',
      '{"operation":"DeleteInBackground","apiVersion":"v1","kind":"Secret","namespace":"ns1","name":"old"}',
      '{"operation":"MergePatch","apiVersion":"apps/v1","kind":"Deployment","namespace":"ns1","name":"web","mergePatch":{"spec":{"replicas":2}},"ignoreMissingObject":true}',
    ].join('\n');
    expect(parseObjectPatchJsonStream(file)).toEqual([
      {
        operation: 'CreateOrUpdate',
        object: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'cm1', namespace: 'ns1' },
          data: { k: 'v' },
        },
      },
      { operation: 'DeleteInBackground', apiVersion: 'v1', kind: 'Secret', namespace: 'ns1', name: 'old' },
      {
        operation: 'MergePatch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'ns1',
        name: 'web',
        mergePatch: { spec: { replicas: 2 } },
        ignoreMissingObject: true,
      },
    ]);
    expect(parseObjectPatchJsonStream('')).toEqual([]);
  });

  it('TV-52 invalid documents fail the whole file, naming document and field', () => {
    const valid = '{"operation":"Delete","kind":"ConfigMap","name":"ok"}\n';
    const cases: [string, string, RegExp][] = [
      ['{"operation":"Create","namespace":"default"}', 'object', /is required/],
      ['{"operation":"CreateOrUpdate","object":{}}', 'object', /must not be empty/],
      ['{"operation":"Delete","kind":"ConfigMap"}', 'name', /is required/],
      ['{"operation":"DeleteInBackground","name":"x"}', 'kind', /is required/],
      ['{"operation":"JQPatch","kind":"ConfigMap","name":"x"}', 'jqFilter', /is required/],
      [
        '{"operation":"jsonPatch","kind":"ConfigMap","name":"x","jsonPatch":[{"op":"add","path":"/a","value":1}]}',
        'operation',
        /must be one of: Create, .*JQPatch \(got "jsonPatch"\)/,
      ],
      ['[{"operation":"Delete","kind":"ConfigMap","name":"x"}]', '', /array of operations is not accepted/],
      [
        '{"operation":"MergePatch","kind":"ConfigMap","name":"x","mergePatch":{}}',
        'mergePatch',
        /must not be empty/,
      ],
      [
        '{"operation":"JSONPatch","kind":"ConfigMap","name":"x","jsonPatch":[]}',
        'jsonPatch',
        /at least 1 item/,
      ],
      [
        '{"operation":"Create","object":{"kind":"ConfigMap","metadata":{"name":"x"}}}',
        'object.apiVersion',
        /is required/,
      ],
      ['{"kind":"ConfigMap","name":"x"}', 'operation', /is required/],
      ['{"operation":"Delete","kind":"ConfigMap","name":5}', 'name', /must be a string/],
    ];
    for (const [doc, field, rule] of cases) {
      const e = failure(() => parseObjectPatchJsonStream(valid + doc, { file: 'patch.json' }));
      expect([doc, e.file, e.document, e.field]).toEqual([doc, 'patch.json', 2, field]);
      expect(e.message).toMatch(rule);
    }
  });

  it('TV-52 JSONPatch: standard RFC 6902 arrays are accepted (HP §3.3 REC), as is the string form', () => {
    const remove =
      '{"operation":"JSONPatch","kind":"ConfigMap","name":"x","jsonPatch":[{"op":"remove","path":"/data/a"}]}';
    const asString =
      '{"operation":"JSONPatch","kind":"ConfigMap","name":"x","jsonPatch":"[{\\"op\\":\\"remove\\",\\"path\\":\\"/data/a\\"}]"}';
    const expected = {
      operation: 'JSONPatch',
      apiVersion: '',
      kind: 'ConfigMap',
      name: 'x',
      jsonPatch: [{ op: 'remove', path: '/data/a' }],
    };
    expect(parseObjectPatchJsonStream(remove)).toEqual([expected]);
    expect(parseObjectPatchJsonStream(asString)).toEqual([expected]);
    const noValue = failure(() =>
      parseObjectPatchJsonStream(
        '{"operation":"JSONPatch","kind":"ConfigMap","name":"x","jsonPatch":[{"op":"add","path":"/a"}]}',
      ),
    );
    expect(noValue.field).toBe('jsonPatch[0].value');
  });

  it('TV-53 Create ignores the top-level namespace and subresource', () => {
    const ops = parseObjectPatchJsonStream(
      '{"operation":"Create","namespace":"ns1","subresource":"status","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"}}}',
    );
    expect(ops).toEqual([
      { operation: 'Create', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } },
    ]);
  });

  it('TV-54 the module-sdk spelling ignoreMissingObjects is accepted', () => {
    const [op] = parseObjectPatchJsonStream(
      '{"apiVersion":"v1","ignoreMissingObjects":true,"kind":"ConfigMap","mergePatch":{"data":{"a":"b"}},"name":"missing","namespace":"ns","operation":"MergePatch"}',
    );
    expect(op).toEqual({
      operation: 'MergePatch',
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'ns',
      name: 'missing',
      mergePatch: { data: { a: 'b' } },
      ignoreMissingObject: true,
    });
  });

  it('JSON keys match case-insensitively, unknown keys are dropped, patch options are kept', () => {
    const [op] = parseObjectPatchJsonStream(
      '{"Operation":"JQPatch","KIND":"Deployment","name":"web","Namespace":"","jqfilter":".spec.replicas = 3","subresource":"/status","ignoreHookError":true,"color":"red"}',
    );
    expect(op).toEqual({
      operation: 'JQPatch',
      apiVersion: '',
      kind: 'Deployment',
      name: 'web',
      jqFilter: '.spec.replicas = 3',
      subresource: '/status',
      ignoreHookError: true,
    });
    const [del] = parseObjectPatchJsonStream(
      '{"operation":"DeleteNonCascading","kind":"Pod","name":"p","subresource":"status"}',
    );
    expect(del).toEqual({ operation: 'DeleteNonCascading', apiVersion: '', kind: 'Pod', name: 'p' });
  });
});
