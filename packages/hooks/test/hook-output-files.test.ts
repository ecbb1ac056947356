import { describe, expect, it } from 'vitest';
import {
  HookLogLineParser,
  type HookLogRecord,
  HookOutputError,
  parseJsonStream,
  parseMetricsFile,
  parseObjectPatchFile,
  parseValuesPatchFile,
} from '../src/index.js';

describe('values patch files (addon-operator pkg/utils/values_patch.go)', () => {
  it('reads one array, several arrays, NDJSON operations; ignores other JSON values', () => {
    const text =
      '[{"op":"add","path":"/m/a","value":1}]\n[{"op":"remove","path":"/m/b"}]\n{"op":"test","path":"/m/c","value":null}\n42 "x"\n';
    expect(parseValuesPatchFile(text)).toEqual([
      { op: 'add', path: '/m/a', value: 1 },
      { op: 'remove', path: '/m/b' },
      { op: 'test', path: '/m/c', value: null },
    ]);
    expect(parseValuesPatchFile('')).toEqual([]);
    expect(parseValuesPatchFile('[]')).toEqual([]);
  });

  it('drops every field but op, path and value', () => {
    expect(parseValuesPatchFile('{"op":"move","from":"/m/a","path":"/m/b","extra":1}')).toEqual([
      { op: 'move', path: '/m/b' },
    ]);
  });

  it('rejects invalid JSON and unknown operations', () => {
    expect(() => parseValuesPatchFile('[{"op":"add"')).toThrow(HookOutputError);
    expect(() => parseValuesPatchFile('{"op":"merge","path":"/m"}')).toThrow(
      /unsupported patch operation "merge"/,
    );
    expect(() => parseValuesPatchFile('{"op":"add","value":1}')).toThrow(/"path" must be a string/);
  });
});

describe('object patch files (shell-operator pkg/kube/object_patch/patch.go)', () => {
  it('reads concatenated JSON objects with case-insensitive keys', () => {
    expect(
      parseObjectPatchFile(
        '{"OPERATION":"DeleteInBackground","Kind":"Pod","name":"p"}{"operation":"Delete","kind":"Pod","name":"q"}',
      ),
    ).toEqual([
      { operation: 'DeleteInBackground', apiVersion: '', kind: 'Pod', name: 'p' },
      { operation: 'Delete', apiVersion: '', kind: 'Pod', name: 'q' },
    ]);
  });

  it('rejects a top-level JSON array of operations', () => {
    expect(() => parseObjectPatchFile('[{"operation":"Delete","kind":"Pod","name":"p"}]')).toThrow(/array/);
  });

  it('operation names are case-sensitive', () => {
    expect(() =>
      parseObjectPatchFile('{"operation":"jsonPatch","kind":"Pod","name":"p","jsonPatch":[{}]}'),
    ).toThrow(/unknown operation "jsonPatch"/);
  });

  it('accepts standard JSONPatch arrays and patches given as strings', () => {
    const text = `operation: JSONPatch
kind: Pod
name: p
jsonPatch: '[{"op":"remove","path":"/metadata/labels/x"}]'
`;
    expect(parseObjectPatchFile(text)).toEqual([
      {
        operation: 'JSONPatch',
        apiVersion: '',
        kind: 'Pod',
        name: 'p',
        jsonPatch: [{ op: 'remove', path: '/metadata/labels/x' }],
      },
    ]);
  });

  it('Create ignores the top-level namespace and needs a full object', () => {
    expect(
      parseObjectPatchFile(
        '{"operation":"Create","namespace":"ignored","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}}',
      ),
    ).toEqual([{ operation: 'Create', object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } }]);
    expect(() => parseObjectPatchFile('{"operation":"Create","object":{}}')).toThrow(/non-empty "object"/);
    expect(() =>
      parseObjectPatchFile('{"operation":"Create","object":{"apiVersion":"v1","kind":"Pod","metadata":{}}}'),
    ).toThrow(/object\.metadata\.name/);
  });

  it('names the invalid document', () => {
    expect(() =>
      parseObjectPatchFile(
        '{"operation":"Delete","kind":"Pod","name":"p"}\n{"operation":"Delete","kind":"Pod"}',
      ),
    ).toThrow('operation 2: Delete needs "kind" and "name"');
    expect(() => parseObjectPatchFile('operation: Delete\nkind: [unclosed\n')).toThrow(
      /neither JSON nor YAML/,
    );
  });
});

describe('metrics files (shell-operator pkg/hook/operation.go)', () => {
  it('TV-87 default group is the hook name; expire without a group keeps it', () => {
    const text = [
      '{"name":"runs","action":"add","value":1,"labels":{"a":"b"}}',
      '{"name":"size","group":"g","action":"set","value":3.5,"labels":null}',
      '{"name":"","action":"expire","labels":null}',
    ].join('\n');
    expect(parseMetricsFile(text, 'H')).toEqual([
      { name: 'runs', action: 'add', value: 1, labels: { a: 'b' }, group: 'H' },
      { name: 'size', action: 'set', value: 3.5, group: 'g' },
      { name: '', action: 'expire', group: 'H' },
    ]);
  });

  it('expands set/add shortcuts, drops unknown actions, requires buckets for observe', () => {
    expect(
      parseMetricsFile('{"name":"a","set":2}{"name":"b","add":3}{"name":"c","action":"nope","value":1}', 'H'),
    ).toEqual([
      { name: 'a', action: 'set', value: 2, group: 'H' },
      { name: 'b', action: 'add', value: 3, group: 'H' },
    ]);
    expect(() => parseMetricsFile('{"name":"h","action":"observe","value":1}', 'H')).toThrow(/buckets/);
    expect(parseMetricsFile('{"name":"h","action":"observe","value":1,"buckets":[1,2]}', 'H')).toEqual([
      { name: 'h', action: 'observe', value: 1, buckets: [1, 2], group: 'H' },
    ]);
  });

  it('rejects a JSON array, a missing value or name', () => {
    expect(() => parseMetricsFile('[{"name":"a","action":"set","value":1}]', 'H')).toThrow(/got bad metrics/);
    expect(() => parseMetricsFile('{"name":"a","action":"set"}', 'H')).toThrow(/"value" is required/);
    expect(() => parseMetricsFile('{"action":"set","value":1}', 'H')).toThrow(/"name" is required/);
  });
});

describe('JSON streams', () => {
  it('splits whitespace-separated values, strings with brackets included', () => {
    expect(parseJsonStream('{"a":"}{"} [1,[2]] 3 "x\\"]" true null')).toEqual([
      { a: '}{' },
      [1, [2]],
      3,
      'x"]',
      true,
      null,
    ]);
  });
});

describe('hook log lines (shell-operator pkg/executor/executor.go)', () => {
  const parse = (chunks: string[]) => {
    const records: HookLogRecord[] = [];
    const parser = new HookLogLineParser((r) => records.push(r), 1000);
    for (const c of chunks) parser.write(c);
    parser.end();
    return records;
  };

  it('TV-97 plain and JSON lines; JSON split across chunks and lines', () => {
    expect(parse(['plain text\n{"level":"error","msg":"boom",', '"pod":"a"}\n  \n{"msg":"x"', '}'])).toEqual([
      { level: 'info', msg: 'plain text', fields: {} },
      { level: 'error', msg: 'boom', fields: { hook_pod: 'a' } },
      { level: 'info', msg: 'x', fields: {} },
    ]);
  });

  it('a JSON object without msg is "hook result"; a `{` line that never closes is logged as text', () => {
    expect(parse(['{"level":"debug","k":1}\n{"broken\n'])).toEqual([
      { level: 'debug', msg: 'hook result', fields: { hook_k: 1 } },
      { level: 'info', msg: '{"broken', fields: {} },
    ]);
  });

  it('keeps its buffers bounded on an endless line', () => {
    const records = parse(Array.from({ length: 20 }, () => 'y'.repeat(250)));
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((r) => r.msg.length <= 1250)).toBe(true);
    expect(records.map((r) => r.msg).join('')).toBe('y'.repeat(5000));
  });
});
