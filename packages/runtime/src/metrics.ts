import type { Metrics } from '@converge/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type Kind = 'counter' | 'gauge' | 'histogram';

/**
 * Prometheus metrics with addon-operator's names (AO §13.1) under a prefix (default
 * `addon_operator_`). Metrics are created on first use with the label names of that use; a later
 * use with more label names re-creates the metric with the union (its series start over). A use
 * with another type than the metric's is ignored: a sink never throws.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<
    string,
    { kind: Kind; labelNames: string[]; metric: Counter | Gauge | Histogram }
  >();

  constructor(readonly prefix = process.env.ADDON_OPERATOR_PROMETHEUS_METRICS_PREFIX ?? 'addon_operator_') {}

  private get(name: string, kind: Kind, labels: Record<string, string>, buckets?: number[]) {
    const full = `${this.prefix}${name}`;
    let entry = this.metrics.get(full);
    if (entry && entry.kind !== kind) return undefined;
    const grown = entry && Object.keys(labels).some((l) => !entry?.labelNames.includes(l));
    if (!entry || grown) {
      const labelNames = [...new Set([...(entry?.labelNames ?? []), ...Object.keys(labels)])];
      if (entry) this.registry.removeSingleMetric(full);
      const config = { name: full, help: name, labelNames, registers: [this.registry] };
      const metric =
        kind === 'counter'
          ? new Counter(config)
          : kind === 'gauge'
            ? new Gauge(config)
            : new Histogram(buckets?.length ? { ...config, buckets } : config);
      entry = { kind, labelNames, metric };
      this.metrics.set(full, entry);
    }
    return entry.metric;
  }

  inc(name: string, labels: Record<string, string>, value = 1): void {
    (this.get(name, 'counter', labels) as Counter | undefined)?.inc(labels, value);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    (this.get(name, 'gauge', labels) as Gauge | undefined)?.set(labels, value);
  }
  /** `buckets` (hook histograms) apply when the histogram is created. */
  observe(name: string, labels: Record<string, string>, value: number, buckets?: number[]): void {
    (this.get(name, 'histogram', labels, buckets) as Histogram | undefined)?.observe(labels, value);
  }
  remove(name: string, labels: Record<string, string>): void {
    const entry = this.metrics.get(`${this.prefix}${name}`);
    if (!entry || Object.keys(labels).some((l) => !entry.labelNames.includes(l))) return;
    entry.metric.remove(labels);
  }

  /** The text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Metrics kept in memory as plain numbers per name and label set, for assertions. */
export class MemoryMetrics implements Metrics {
  readonly values = new Map<string, number>();
  private key(name: string, labels: Record<string, string>) {
    const l = Object.entries(labels)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',');
    return `${name}{${l}}`;
  }
  inc(name: string, labels: Record<string, string>, value = 1): void {
    const k = this.key(name, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + value);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    this.values.set(this.key(name, labels), value);
  }
  observe(name: string, labels: Record<string, string>, value: number): void {
    this.inc(`${name}_count`, labels, 1);
    this.inc(`${name}_sum`, labels, value);
  }
  /** Drops the series of `name` with exactly `labels` (for a histogram: its `_count` and `_sum`). */
  remove(name: string, labels: Record<string, string>): void {
    for (const n of [name, `${name}_count`, `${name}_sum`]) this.values.delete(this.key(n, labels));
  }
  /** Sum of every series of `name` whose labels include `labels`. */
  get(name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    for (const [k, v] of this.values) {
      if (!k.startsWith(`${name}{`)) continue;
      if (Object.entries(labels).every(([lk, lv]) => k.includes(`${lk}=${JSON.stringify(lv)}`))) total += v;
    }
    return total;
  }
}

/** Drops every metric: the default of `createEngine` when no sink is given. */
export const nullMetrics: Metrics = {
  inc() {},
  set() {},
  observe() {},
};
