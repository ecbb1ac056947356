import { PrometheusMetrics, TIMING_BUCKETS } from '@converge/runtime';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parseExposition, sample } from './server/prometheus-text.js';

const hookLabels = { module: 'demo', hook: 'hooks/a', binding: 'beforeHelm', queue: 'main' };

describe("addon-operator's metrics kept as queued uses folded at scrape", () => {
  it("AO-43 the exposition equals prom-client's own Histogram and Counter for the same uses", async () => {
    const ours = new PrometheusMetrics('p_');
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'p_module_hook_run_seconds',
      help: 'x',
      labelNames: ['module', 'hook', 'binding', 'queue', 'activation'],
      buckets: [...TIMING_BUCKETS],
      registers: [registry],
    });
    const counter = new Counter({
      name: 'p_module_run_errors_total',
      help: 'x',
      labelNames: ['module'],
      registers: [registry],
    });
    for (const [labels, v] of [
      [hookLabels, 0.003],
      [hookLabels, 0.7],
      [{ ...hookLabels, hook: 'hooks/b' }, 42],
      [hookLabels, 0],
    ] as const) {
      ours.observe('module_hook_run_seconds', labels, v);
      histogram.observe({ ...labels, activation: '' }, v);
    }
    ours.inc('module_run_errors_total', { module: 'demo' });
    ours.inc('module_run_errors_total', { module: 'demo' }, 2);
    counter.inc({ module: 'demo' }, 3);
    const mine = parseExposition(await ours.text());
    const theirs = parseExposition(await registry.metrics());
    for (const [key, value] of theirs) expect([key, mine.get(key)]).toEqual([key, value]);
    expect(
      mine.get(sample('p_module_hook_run_seconds_bucket', { ...hookLabels, activation: '', le: '0.005' })),
    ).toBe(2);
  });

  it('AO-43 a left-out activation label is the one of the moment of the use, not of the scrape', async () => {
    const metrics = new PrometheusMetrics('');
    let startup = true;
    metrics.defaultLabel('activation', () => (startup ? 'OperatorStartup' : ''));
    metrics.observe('module_hook_run_seconds', hookLabels, 0.01);
    metrics.inc('module_hook_success_total', hookLabels);
    startup = false;
    metrics.observe('module_hook_run_seconds', hookLabels, 0.01);
    metrics.inc('module_hook_success_total', { ...hookLabels, activation: 'given' });
    const m = parseExposition(await metrics.text());
    expect(
      m.get(sample('module_hook_run_seconds_count', { ...hookLabels, activation: 'OperatorStartup' })),
    ).toBe(1);
    expect(m.get(sample('module_hook_run_seconds_count', { ...hookLabels, activation: '' }))).toBe(1);
    expect(m.get(sample('module_hook_success_total', { ...hookLabels, activation: 'OperatorStartup' }))).toBe(
      1,
    );
    expect(m.get(sample('module_hook_success_total', { ...hookLabels, activation: 'given' }))).toBe(1);
  });

  it('AO-43 uses past the queue bound, remove and reset keep their order; bad values are dropped', async () => {
    const metrics = new PrometheusMetrics('');
    const n = 40_000;
    for (let i = 0; i < n; i++) metrics.inc('module_run_errors_total', { module: `m${i % 3}` });
    metrics.inc('module_run_errors_total', { module: 'm0' }, -1);
    metrics.inc('module_run_errors_total', { module: 'm0' }, Number.NaN);
    metrics.observe('module_run_seconds', { module: 'm0' }, Number.POSITIVE_INFINITY);
    metrics.set('tasks_queue_length', { queue: 'main' }, 5);
    metrics.remove('tasks_queue_length', { queue: 'main' });
    metrics.set('tasks_queue_length', { queue: 'other' }, 1);
    metrics.set('tasks_queue_length', { queue: 'other' }, 2);
    metrics.set('mm_module_info', { module: 'm0', enabled: 'true', critical: 'true' }, 1);
    metrics.reset('mm_module_info');
    const m = parseExposition(await metrics.text());
    expect([0, 1, 2].map((i) => m.get(sample('module_run_errors_total', { module: `m${i}` })))).toEqual([
      Math.ceil(n / 3),
      Math.ceil((n - 1) / 3),
      Math.floor(n / 3),
    ]);
    expect(m.has(sample('module_run_seconds_count', { module: 'm0', activation: '' }))).toBe(false);
    expect(m.has(sample('tasks_queue_length', { queue: 'main' }))).toBe(false);
    expect(m.get(sample('tasks_queue_length', { queue: 'other' }))).toBe(2);
    expect([...m.keys()].some((k) => k.startsWith('mm_module_info{'))).toBe(false);
    expect(m.get(sample('live_ticks'))).toBe(0);
  });
});
