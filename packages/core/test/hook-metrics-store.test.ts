import { describe, expect, it } from 'vitest';
import { HookMetricsStore, MetricOperationError } from '../src/hook-metrics-store.js';
import type { HookMetricOperation } from '../src/ports.js';

const hook = { hook: '002-hook.sh' };

const summary = (store: HookMetricsStore) =>
  store.series().map((s) => ({ name: s.name, group: s.group, labels: s.labels, value: s.value }));

describe('hook metrics store (HP §3.4)', () => {
  it('TV-60 default group and labels; a new run replaces the group', () => {
    const store = new HookMetricsStore();
    const run1: HookMetricOperation[] = [
      { name: 'hook_items', action: 'set', value: 3, labels: { kind: 'pod' } },
      { name: 'hook_runs', action: 'add', value: 1 },
      { name: 'hook_dur', action: 'observe', value: 0.42, buckets: [0.1, 0.5, 1] },
    ];
    store.apply(hook, run1);
    expect(summary(store)).toEqual([
      { name: 'hook_items', group: '002-hook.sh', labels: { kind: 'pod', hook: '002-hook.sh' }, value: 3 },
      { name: 'hook_runs', group: '002-hook.sh', labels: { hook: '002-hook.sh' }, value: 1 },
      { name: 'hook_dur', group: '002-hook.sh', labels: { hook: '002-hook.sh' }, value: 0.42 },
    ]);
    expect(store.get('hook_dur', { hook: '002-hook.sh' })).toMatchObject({
      type: 'histogram',
      count: 1,
      buckets: [
        { le: 0.1, count: 0 },
        { le: 0.5, count: 1 },
        { le: 1, count: 1 },
      ],
    });
    const r = store.apply(hook, [run1[0] as HookMetricOperation]);
    expect(store.series().map((s) => s.name)).toEqual(['hook_items']);
    expect(r.removed.map((x) => x.name).sort()).toEqual(['hook_dur', 'hook_items', 'hook_runs']);
    expect(r.written.map((x) => x.name)).toEqual(['hook_items']);
    // A run that writes nothing leaves the series alone.
    store.apply(hook, []);
    expect(store.series().map((s) => s.name)).toEqual(['hook_items']);
  });

  it('TV-60 engine labels win and module hooks get a module label', () => {
    const store = new HookMetricsStore();
    store.apply({ hook: 'hooks/x.sh', module: 'my-module' }, [
      { name: 'm', action: 'set', value: 1, labels: { hook: 'fake', a: 'b' } },
    ]);
    expect(store.series()[0]?.labels).toEqual({ hook: 'hooks/x.sh', module: 'my-module', a: 'b' });
  });

  it('TV-61 an unknown action is dropped with a warning and the run succeeds', () => {
    const store = new HookMetricsStore();
    const r = store.apply(hook, [
      { name: 'm', action: '' as 'set', value: 1 },
      { name: 'n', action: 'set', value: 5 },
    ]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]?.index).toBe(1);
    expect(summary(store).map((s) => [s.name, s.value])).toEqual([['n', 5]]);
  });

  it('TV-62 expire clears the default group or a named group of any hook', () => {
    const store = new HookMetricsStore();
    store.apply(hook, [{ name: 'a', action: 'set', value: 1 }]);
    store.apply({ hook: 'other.sh' }, [{ name: 'b', action: 'set', value: 2, group: 'g1' }]);
    store.apply(hook, [{ name: 'c', action: 'set', value: 3, group: 'g1' }]);
    expect(summary(store).map((s) => [s.name, s.group])).toEqual([
      ['a', '002-hook.sh'],
      ['c', 'g1'],
    ]);
    store.apply(hook, [{ name: '', action: 'expire' }]);
    expect(summary(store).map((s) => s.name)).toEqual(['c']);
    store.apply({ hook: 'third.sh' }, [{ name: '', action: 'expire', group: 'g1' }]);
    expect(store.series()).toEqual([]);
  });

  it('TV-63 invalid operations reject the whole run and nothing is applied', () => {
    const store = new HookMetricsStore();
    store.apply(hook, [{ name: 'keep', action: 'set', value: 1 }]);
    const fail = (ops: HookMetricOperation[]) => {
      try {
        store.apply(hook, ops);
      } catch (e) {
        return e as MetricOperationError;
      }
      throw new Error('expected a failure');
    };
    const noBuckets = fail([
      { name: 'x', action: 'set', value: 2 },
      { name: 'm', action: 'observe', value: 1 },
    ]);
    expect(noBuckets).toBeInstanceOf(MetricOperationError);
    expect([noBuckets.index, noBuckets.field]).toEqual([2, 'buckets']);
    expect(fail([{ name: 'm', action: 'set' }]).field).toBe('value');
    expect(fail([{ name: '', action: 'add', value: 1 }]).field).toBe('name');
    expect(summary(store).map((s) => [s.name, s.value])).toEqual([['keep', 1]]);
  });

  it('TV-64 grouped counters do not accumulate across runs and are truncated', () => {
    const store = new HookMetricsStore();
    store.apply(hook, [{ name: 'c', action: 'add', value: 1.7 }]);
    expect(store.get('c', { hook: '002-hook.sh' })?.value).toBe(1);
    store.apply(hook, [{ name: 'c', action: 'add', value: 1 }]);
    expect(store.get('c', { hook: '002-hook.sh' })?.value).toBe(1);
    // Within one run adds accumulate.
    store.apply(hook, [
      { name: 'c', action: 'add', value: 2 },
      { name: 'c', action: 'add', value: 3 },
    ]);
    expect(store.get('c', { hook: '002-hook.sh' })?.value).toBe(5);
  });

  it('a metric reused with another type is ignored with a warning', () => {
    const store = new HookMetricsStore();
    store.apply(hook, [{ name: 'm', action: 'set', value: 1 }]);
    const r = store.apply({ hook: 'b.sh' }, [{ name: 'm', action: 'add', value: 1 }]);
    expect(r.warnings[0]?.message).toMatch(/is a gauge/);
    expect(store.series('m')).toHaveLength(1);
  });
});
