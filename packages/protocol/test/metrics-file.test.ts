import { describe, expect, it } from 'vitest';
import { parseMetricsFile } from '../src/metrics-file.js';
import { HookOutputFileError } from '../src/patch-files.js';

const hook = { defaultGroup: '002-hook.sh', file: 'metrics.json' };

function failure(text: string): HookOutputFileError {
  try {
    parseMetricsFile(text, hook);
  } catch (e) {
    if (e instanceof HookOutputFileError) return e;
    throw e;
  }
  throw new Error('expected a HookOutputFileError');
}

describe('metrics files (HP §3.4)', () => {
  it('TV-60 lines get the hook name as their default group', () => {
    const file = [
      '{"name":"hook_items","action":"set","value":3,"labels":{"kind":"pod"}}',
      '{"name":"hook_runs","action":"add","value":1}',
      '{"name":"hook_dur","action":"observe","value":0.42,"buckets":[0.1,0.5,1]}',
    ].join('\n');
    expect(parseMetricsFile(file, hook)).toEqual({
      operations: [
        { name: 'hook_items', action: 'set', value: 3, labels: { kind: 'pod' }, group: '002-hook.sh' },
        { name: 'hook_runs', action: 'add', value: 1, group: '002-hook.sh' },
        { name: 'hook_dur', action: 'observe', value: 0.42, buckets: [0.1, 0.5, 1], group: '002-hook.sh' },
      ],
      warnings: [],
    });
    expect(parseMetricsFile('', hook)).toEqual({ operations: [], warnings: [] });
  });

  it('TV-61 set/add shortcuts', () => {
    const r = parseMetricsFile(
      [
        '{"name":"m","set":5}',
        '{"name":"m","add":2,"action":"set","value":9}',
        '{"name":"m","set":1,"add":1}',
      ].join('\n'),
      hook,
    );
    expect(r.operations).toEqual([
      { name: 'm', action: 'set', value: 5, group: '002-hook.sh' },
      { name: 'm', action: 'add', value: 2, group: '002-hook.sh' },
    ]);
    expect(r.warnings.map((w) => w.document)).toEqual([3]);
  });

  it('TV-62 expire without a group clears the default group; with a group, that group', () => {
    expect(
      parseMetricsFile('{"action":"expire"}\n{"group":"g1","action":"expire"}', hook).operations,
    ).toEqual([
      { name: '', action: 'expire', group: '002-hook.sh' },
      { name: '', action: 'expire', group: 'g1' },
    ]);
  });

  it('TV-63 invalid and ignored lines', () => {
    const dropped = parseMetricsFile('{"name":"m","action":"inc","value":1}', hook);
    expect(dropped.operations).toEqual([]);
    expect(dropped.warnings[0]?.message).toMatch(/action "inc"/);
    const buckets = failure(
      '{"name":"ok","action":"set","value":1}\n{"name":"m","action":"observe","value":1}',
    );
    expect([buckets.file, buckets.document, buckets.field]).toEqual(['metrics.json', 2, 'buckets']);
    expect(failure('{"name":"m","action":"set"}').field).toBe('value');
    const array = failure('[{"name":"m","action":"set","value":1}]');
    expect(array.message).toMatch(/got bad metrics/);
    expect(failure('{"name":"m","action":"set","value":"1"}').field).toBe('value');
    expect(failure('{"name":"m","action":"set","value":1,"labels":{"a":1}}').field).toBe('labels.a');
    expect(failure('{"action":"set","value":1}').field).toBe('name');
  });

  it('TV-64 counter values are passed as written (truncation happens in the store)', () => {
    expect(parseMetricsFile('{"name":"c","action":"add","value":1.7}', hook).operations).toEqual([
      { name: 'c', action: 'add', value: 1.7, group: '002-hook.sh' },
    ]);
  });

  it('keys match case-insensitively and null labels are allowed', () => {
    expect(
      parseMetricsFile('{"Name":"m","ACTION":"set","Value":2,"labels":null,"group":"g"}').operations,
    ).toEqual([{ name: 'm', action: 'set', value: 2, group: 'g' }]);
  });
});
