import { describe, expect, it } from 'vitest';
import { MetricsCollector } from '../src/metrics-collector.js';

describe('MetricsCollector', () => {
  it('TV-87 Inc, Set with a group and Expire("") produce the SDK metric lines', () => {
    const metrics = new MetricsCollector();
    metrics.inc('runs', { a: 'b' });
    metrics.set('size', 3.5, undefined, { group: 'g' });
    metrics.expire('');
    expect(metrics.toNdjson()).toBe(
      [
        '{"name":"runs","action":"add","value":1,"labels":{"a":"b"}}',
        '{"name":"size","group":"g","action":"set","value":3.5,"labels":null}',
        '{"name":"","action":"expire","labels":null}',
        '',
      ].join('\n'),
    );
    expect(metrics.operations()).toEqual([
      { name: 'runs', action: 'add', value: 1, labels: { a: 'b' } },
      { name: 'size', group: 'g', action: 'set', value: 3.5 },
      { name: '', action: 'expire' },
    ]);
  });

  it('TV-87 add keeps its value, expire of a named group carries the group, empty collector writes nothing', () => {
    const metrics = new MetricsCollector();
    expect(metrics.toNdjson()).toBe('');
    metrics.add('bytes', 42, {}, { group: '' });
    metrics.expire('g');
    expect(metrics.toNdjson()).toBe(
      '{"name":"bytes","action":"add","value":42,"labels":{}}\n{"name":"","group":"g","action":"expire","labels":null}\n',
    );
  });
});
