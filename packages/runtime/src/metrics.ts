import type { Metrics } from '@converge/core';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

type Kind = 'counter' | 'gauge' | 'histogram';

/**
 * Prometheus metrics with addon-operator's names (AO §13.1) under a prefix (default
 * `addon_operator_`). Metrics are created on first use with the label names of that use.
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, { kind: Kind; metric: Counter | Gauge | Histogram }>();

  constructor(readonly prefix = process.env.ADDON_OPERATOR_PROMETHEUS_METRICS_PREFIX ?? 'addon_operator_') {}

  private get(name: string, kind: Kind, labels: Record<string, string>) {
    const full = `${this.prefix}${name}`;
    let entry = this.metrics.get(full);
    if (!entry) {
      const config = { name: full, help: name, labelNames: Object.keys(labels), registers: [this.registry] };
      const metric =
        kind === 'counter'
          ? new Counter(config)
          : kind === 'gauge'
            ? new Gauge(config)
            : new Histogram(config);
      entry = { kind, metric };
      this.metrics.set(full, entry);
    }
    return entry.metric;
  }

  inc(name: string, labels: Record<string, string>, value = 1): void {
    (this.get(name, 'counter', labels) as Counter).inc(labels, value);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    (this.get(name, 'gauge', labels) as Gauge).set(labels, value);
  }
  observe(name: string, labels: Record<string, string>, value: number): void {
    (this.get(name, 'histogram', labels) as Histogram).observe(labels, value);
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
