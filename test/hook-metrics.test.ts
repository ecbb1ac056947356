import type { HookMetricOperation } from '@converge/core';
import { HookOutputError, parseMetricsFile } from '@converge/hooks';
import { HookMetricsError, HookMetricsStorage, MemoryMetrics, PrometheusMetrics } from '@converge/runtime';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from './support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const H = '002-hook.sh';
const tv60 = [
  '{"name":"hook_items","action":"set","value":3,"labels":{"kind":"pod"}}',
  '{"name":"hook_runs","action":"add","value":1}',
  '{"name":"hook_dur","action":"observe","value":0.42,"buckets":[0.1,0.5,1]}',
];

function storage() {
  const sink = new MemoryMetrics();
  const warnings: string[] = [];
  const store = new HookMetricsStorage(sink, (m) => warnings.push(m));
  return { sink, warnings, store };
}

/** The names of the series MemoryMetrics holds, as `name{labels}` keys. */
const keys = (sink: MemoryMetrics) => [...sink.values.keys()].sort();

describe('hook metrics (shell-operator pkg/hook/operation.go, docs/conformance.md)', () => {
  it('TV-60 ops without a group go to the hook group, get the hook label, and replace that group on the next run', () => {
    const { sink, store } = storage();
    store.apply({ hook: H }, [{ name: 'hook_items', action: 'set', value: 7, labels: { kind: 'node' } }]);

    const ops = parseMetricsFile(tv60.join('\n'), H);
    expect(ops.map((o) => o.group)).toEqual([H, H, H]);
    store.apply({ hook: H }, ops);
    expect(store.series().map((s) => [s.name, s.type, s.group, s.labels, s.value])).toEqual([
      ['hook_items', 'gauge', H, { kind: 'pod', hook: H }, 3],
      ['hook_runs', 'counter', H, { hook: H }, 1],
      ['hook_dur', 'histogram', H, { hook: H }, 0.42],
    ]);
    expect(store.get('hook_dur', { hook: H })).toMatchObject({
      count: 1,
      buckets: [
        { le: 0.1, count: 0 },
        { le: 0.5, count: 1 },
        { le: 1, count: 1 },
      ],
    });
    // The series of the earlier run (kind=node) was removed, from the sink too.
    expect(keys(sink)).toEqual([
      `hook_dur_count{hook="${H}"}`,
      `hook_dur_sum{hook="${H}"}`,
      `hook_items{hook="${H}",kind="pod"}`,
      `hook_runs{hook="${H}"}`,
    ]);

    store.apply({ hook: H }, parseMetricsFile(tv60[0] as string, H));
    expect(store.series().map((s) => s.name)).toEqual(['hook_items']);
    expect(keys(sink)).toEqual([`hook_items{hook="${H}",kind="pod"}`]);
  });

  it('TV-60 a run that writes no metric leaves the group untouched; module hooks get a module label', () => {
    const { sink, store } = storage();
    store.apply({ hook: 'hooks/a', module: 'm' }, [{ name: 'x', action: 'set', value: 1 }]);
    store.apply({ hook: 'hooks/a', module: 'm' }, []);
    expect(sink.get('x', { hook: 'hooks/a', module: 'm' })).toBe(1);
    // Engine labels win over the op's labels.
    store.apply({ hook: 'hooks/a', module: 'm' }, [
      { name: 'x', action: 'set', value: 2, labels: { hook: 'fake', module: 'fake' } },
    ]);
    expect(store.series('x').map((s) => s.labels)).toEqual([{ hook: 'hooks/a', module: 'm' }]);
  });

  it('TV-60 the Prometheus exposition follows the group: buckets as written, removed series disappear', async () => {
    const prom = new PrometheusMetrics('');
    const store = new HookMetricsStorage(prom);
    store.apply({ hook: H }, parseMetricsFile(tv60.join('\n'), H));
    let text = await prom.text();
    expect(text).toContain(`hook_items{kind="pod",hook="${H}"} 3`);
    expect(text).toContain(`hook_runs{hook="${H}"} 1`);
    expect(text).toContain(`hook_dur_bucket{le="0.5",hook="${H}"} 1`);
    expect(text).toContain(`hook_dur_bucket{le="0.1",hook="${H}"} 0`);
    store.apply({ hook: H }, parseMetricsFile(tv60[0] as string, H));
    text = await prom.text();
    expect(text).toContain(`hook_items{kind="pod",hook="${H}"} 3`);
    expect(text).not.toContain('hook_runs{');
    expect(text).not.toContain('hook_dur_bucket{');
    // A label set that grows keeps every series exported.
    store.apply({ hook: 'other' }, [{ name: 'hook_items', action: 'set', value: 5, labels: { node: 'n1' } }]);
    text = await prom.text();
    expect(text).toContain(`hook_items{kind="pod",hook="${H}"} 3`);
    expect(text).toContain('hook_items{node="n1",hook="other"} 5');
  });

  it('TV-61 set/add shortcuts expand; a shortcut wins over action/value; both at once drop the op', () => {
    expect(parseMetricsFile('{"name":"m","set":5}', 'h')).toEqual([
      { name: 'm', action: 'set', value: 5, group: 'h' },
    ]);
    expect(parseMetricsFile('{"name":"m","add":2,"action":"set","value":9}', 'h')).toEqual([
      { name: 'm', action: 'add', value: 2, group: 'h' },
    ]);
    const dropped = parseMetricsFile('{"name":"m","set":1,"add":1}', 'h');
    expect(dropped).toEqual([]);
    const { store } = storage();
    store.apply({ hook: 'h' }, [{ name: 'keep', action: 'set', value: 1 }]);
    expect(() => store.apply({ hook: 'h' }, dropped)).not.toThrow();
    expect(store.series().map((s) => s.name)).toEqual(['keep']);
  });

  it('TV-62 expire without a group clears the hook group; with a group it clears that group whoever wrote it', () => {
    const { sink, store } = storage();
    store.apply({ hook: 'h1' }, [
      { name: 'own', action: 'set', value: 1 },
      { name: 'shared', action: 'set', value: 1, group: 'g1' },
    ]);
    store.apply({ hook: 'h2' }, [{ name: 'own', action: 'set', value: 2 }]);

    store.apply({ hook: 'h1' }, parseMetricsFile('{"action":"expire"}', 'h1'));
    expect(store.series().map((s) => `${s.name}/${s.labels.hook}`)).toEqual(['own/h2', 'shared/h1']);

    store.apply({ hook: 'h3' }, parseMetricsFile('{"group":"g1","action":"expire"}', 'h3'));
    expect(store.series().map((s) => `${s.name}/${s.labels.hook}`)).toEqual(['own/h2']);
    expect(keys(sink)).toEqual(['own{hook="h2"}']);
  });

  it('TV-62 a run writing a named group replaces the series another hook wrote in it', () => {
    const { store } = storage();
    store.apply({ hook: 'h1' }, [{ name: 'shared', action: 'set', value: 1, group: 'g1' }]);
    store.apply({ hook: 'h2' }, [{ name: 'shared', action: 'set', value: 2, group: 'g1' }]);
    expect(store.series().map((s) => `${s.name}/${s.labels.hook}=${s.value}`)).toEqual(['shared/h2=2']);
  });

  it('TV-63 an unknown action is dropped with a warning and the run succeeds', () => {
    expect(parseMetricsFile('{"name":"m","action":"inc","value":1}', 'h')).toEqual([]);
    const { store, warnings } = storage();
    store.apply({ hook: 'h' }, [{ name: 'keep', action: 'set', value: 1 }]);
    store.apply({ hook: 'h' }, [{ name: 'm', action: 'inc', value: 1 } as unknown as HookMetricOperation]);
    store.apply({ hook: 'h' }, [
      { name: 'm', action: 'toString', value: 1 } as unknown as HookMetricOperation,
    ]);
    expect(warnings).toEqual([
      expect.stringContaining('unknown action "inc"'),
      expect.stringContaining('unknown action "toString"'),
    ]);
    expect(store.series().map((s) => s.name)).toEqual(['keep']);
  });

  it('TV-63 observe without buckets, set without value, a top-level array: the file is rejected', () => {
    expect(() => parseMetricsFile('{"name":"m","action":"observe","value":1}', 'h')).toThrow(/buckets/);
    expect(() => parseMetricsFile('{"name":"m","action":"set"}', 'h')).toThrow(/value/);
    expect(() => parseMetricsFile('[{"name":"m","action":"set","value":1}]', 'h')).toThrow(HookOutputError);
  });

  it('TV-63 the storage rejects the same operations as a whole batch: nothing of the run is applied', () => {
    const { store } = storage();
    store.apply({ hook: 'h' }, [{ name: 'keep', action: 'set', value: 1 }]);
    for (const bad of [
      { name: 'm', action: 'observe', value: 1 },
      { name: 'm', action: 'set' },
      { name: '', action: 'add', value: 1 },
    ] as HookMetricOperation[]) {
      let error: unknown;
      try {
        store.apply({ hook: 'h' }, [{ name: 'new', action: 'set', value: 1 }, bad]);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(bad)).toBeInstanceOf(HookMetricsError);
      expect((error as HookMetricsError).index).toBe(2);
      expect((error as Error).message).toMatch(/^metric 2/);
      expect(store.series().map((s) => s.name)).toEqual(['keep']);
    }
  });

  it('TV-64 grouped counters hold unsigned integers and do not accumulate across runs', () => {
    const { sink, store } = storage();
    store.apply({ hook: 'h' }, parseMetricsFile('{"name":"c","action":"add","value":1.7}', 'h'));
    expect(store.get('c', { hook: 'h' })?.value).toBe(1);
    expect(sink.get('c', { hook: 'h' })).toBe(1);
    store.apply({ hook: 'h' }, parseMetricsFile('{"name":"c","action":"add","value":1}', 'h'));
    expect(store.get('c', { hook: 'h' })?.value).toBe(1);
    expect(sink.get('c', { hook: 'h' })).toBe(1);
    // Within one run adds do accumulate.
    store.apply({ hook: 'h' }, [
      { name: 'c', action: 'add', value: 2 },
      { name: 'c', action: 'add', value: 3.9 },
    ]);
    expect(sink.get('c', { hook: 'h' })).toBe(5);
  });

  it('TV-60 TV-64 through the engine: series the second run does not write are gone; counters do not accumulate', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(log, 'hooks/m', { schedule: [{ crontab: '*/5 * * * *' }] }, (_input, n) => ({
              metrics:
                n === 1
                  ? [
                      { name: 'items', action: 'set', value: 3, labels: { kind: 'pod' } },
                      { name: 'runs', action: 'add', value: 1 },
                    ]
                  : [{ name: 'runs', action: 'add', value: 1 }],
            })),
          ],
        },
      ],
    });
    await t.start();
    await t.advance(5 * 60_000);
    expect(log.names).toEqual(['a/hooks/m:schedule']);
    const labels = { hook: 'hooks/m', module: 'a' };
    expect(t.metrics.get('items', { ...labels, kind: 'pod' })).toBe(3);
    expect(t.metrics.get('runs', labels)).toBe(1);
    await t.advance(5 * 60_000);
    expect(log.names).toHaveLength(2);
    expect(t.metrics.get('items', labels)).toBe(0);
    expect([...t.metrics.values.keys()].filter((k) => k.startsWith('items{'))).toEqual([]);
    expect(t.metrics.get('runs', labels)).toBe(1);
  });

  it('TV-63 through the engine: an invalid metric fails the hook with METRICS_PATH and its position', async () => {
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(new CallLog(), 'hooks/m', { beforeHelm: 1 }, () => ({
              metrics: [
                { name: 'ok', action: 'set', value: 1 },
                { name: 'bad', action: 'observe', value: 1 },
              ],
            })),
          ],
        },
      ],
    });
    await t.start();
    const failed = t.events.find((e) => e.type === 'HookFailed') as { error: string } | undefined;
    expect(failed?.error).toMatch(/METRICS_PATH.*metric 2 \(bad\).*buckets/);
    expect(t.metrics.get('ok')).toBe(0);
  });
});
