import type { Metrics } from '@converge/core';
import { Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import { CatalogSeries } from './catalog-series.js';
import { ADDON_OPERATOR_METRICS } from './metrics-catalog.js';

type Kind = 'counter' | 'gauge' | 'histogram';

/** The metrics prefix from addon-operator's environment (`pkg/app`), else `addon_operator_`. */
export function metricsPrefixFromEnv(env: Record<string, string | undefined> = process.env): string {
  return (
    env.ADDON_OPERATOR_PROMETHEUS_METRICS_PREFIX ??
    env.SHELL_OPERATOR_PROMETHEUS_METRICS_PREFIX ??
    'addon_operator_'
  );
}

export interface PrometheusMetricsOptions {
  /** Register addon-operator's own metrics up front ({@link ADDON_OPERATOR_METRICS}); default true. */
  catalog?: boolean;
}

/**
 * Prometheus metrics with addon-operator's names (addon-operator pkg/metrics/metrics.go) under a prefix (default
 * `addon_operator_`, or `ADDON_OPERATOR_PROMETHEUS_METRICS_PREFIX`). addon-operator's own metrics
 * are registered up front with their exact label names: a use fills a missing label with "" and
 * drops one the metric does not have; their series are plain numbers ({@link CatalogSeries}) that
 * the registry formats when scraped. Other metrics are created on first use with the label names
 * of that use; a later use with more label names re-creates the metric with the union (its series
 * start over). A use with another type than the metric's is ignored: a sink never throws.
 * Hook-defined metrics go to `hookMetrics`, a registry of their own without a prefix (served on
 * `/metrics/hooks`, as addon-operator's HookMetricStorage).
 */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  /** addon-operator's own metrics, by name without the prefix. */
  private readonly catalog = new Map<string, CatalogSeries>();
  /** Metrics created on first use, by name without the prefix. */
  private readonly metrics = new Map<
    string,
    { kind: Kind; labelNames: string[]; metric: Counter | Gauge | Histogram }
  >();
  private readonly scrapers = new Set<() => void>();
  private hooks: PrometheusMetrics | undefined;

  constructor(
    readonly prefix = metricsPrefixFromEnv(),
    options: PrometheusMetricsOptions = {},
  ) {
    if (options.catalog ?? true)
      for (const spec of ADDON_OPERATOR_METRICS) {
        const series = new CatalogSeries(
          `${prefix}${spec.name}`,
          spec.kind,
          spec.labels,
          spec.help,
          spec.buckets,
        );
        this.registry.registerMetric(series as unknown as Metric);
        this.catalog.set(spec.name, series);
      }
  }

  /** The registry of hook-defined metrics (no prefix, no catalog), created on first use. */
  get hookMetrics(): PrometheusMetrics {
    this.hooks ??= new PrometheusMetrics('', { catalog: false });
    return this.hooks;
  }

  private create(name: string, kind: Kind, labelNames: string[], buckets: number[] | undefined) {
    const config = { name: `${this.prefix}${name}`, help: name, labelNames, registers: [this.registry] };
    const metric =
      kind === 'counter'
        ? new Counter(config)
        : kind === 'gauge'
          ? new Gauge(config)
          : new Histogram(buckets?.length ? { ...config, buckets } : config);
    const entry = { kind, labelNames, metric };
    this.metrics.set(name, entry);
    return entry;
  }

  /** The metric `name` created on first use (re-created with more label names when a use has them). */
  private get(name: string, kind: Kind, labels: Record<string, string>, buckets?: number[]) {
    let entry = this.metrics.get(name);
    if (entry && entry.kind !== kind) return undefined;
    const grown = entry && Object.keys(labels).some((l) => !entry?.labelNames.includes(l));
    if (!entry || grown) {
      const labelNames = [...new Set([...(entry?.labelNames ?? []), ...Object.keys(labels)])];
      if (entry) this.registry.removeSingleMetric(`${this.prefix}${name}`);
      entry = this.create(name, kind, labelNames, buckets);
    }
    return entry.metric;
  }

  inc(name: string, labels: Record<string, string>, value = 1): void {
    const c = this.catalog.get(name);
    if (c !== undefined) {
      c.inc(labels, value);
      return;
    }
    const m = this.get(name, 'counter', labels) as Counter | undefined;
    if (m !== undefined && value >= 0 && Number.isFinite(value)) m.inc(labels, value);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    const c = this.catalog.get(name);
    if (c !== undefined) {
      c.set(labels, value);
      return;
    }
    (this.get(name, 'gauge', labels) as Gauge | undefined)?.set(labels, value);
  }
  /** `buckets` (hook histograms) apply when the histogram is created. */
  observe(name: string, labels: Record<string, string>, value: number, buckets?: number[]): void {
    const c = this.catalog.get(name);
    if (c !== undefined) {
      c.observe(labels, value);
      return;
    }
    const m = this.get(name, 'histogram', labels, buckets) as Histogram | undefined;
    if (m !== undefined && Number.isFinite(value)) m.observe(labels, value);
  }
  remove(name: string, labels: Record<string, string>): void {
    const c = this.catalog.get(name);
    if (c !== undefined) {
      if (Object.keys(labels).every((l) => c.labelNames.includes(l))) c.remove(labels);
      return;
    }
    const entry = this.metrics.get(name);
    if (!entry || Object.keys(labels).some((l) => !entry.labelNames.includes(l))) return;
    entry.metric.remove(labels);
  }
  /** Drops every series of `name` (a grouped gauge is re-published whole). */
  reset(name: string): void {
    (this.catalog.get(name) ?? this.metrics.get(name)?.metric)?.reset();
  }

  /**
   * Where a use of one of addon-operator's metrics with label `name` leaves it out,
   * `value(labels)` gives it (e.g. `activation`, filled per use by the engine's state).
   */
  defaultLabel(name: string, value: (labels: Record<string, string>) => string): void {
    for (const series of this.catalog.values()) series.defaultLabel(name, value);
  }

  /** Runs `update` before each scrape (gauges computed from live state); returns its removal. */
  onScrape(update: () => void): () => void {
    this.scrapers.add(update);
    return () => this.scrapers.delete(update);
  }

  /** The text exposition format of addon-operator's own metrics (`/metrics`). */
  text(): Promise<string> {
    for (const update of this.scrapers) update();
    return this.registry.metrics();
  }

  /** The text exposition format of hook-defined metrics (`/metrics/hooks`). */
  hookText(): Promise<string> {
    return this.hookMetrics.text();
  }
}

/** The sink hook-defined metrics go to: the sink's own hook registry when it has one. */
export function hookMetricsSink(sink: Metrics): Metrics {
  return (sink as { hookMetrics?: Metrics }).hookMetrics ?? sink;
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

/**
 * One sink that writes to every one of `sinks` (an in-memory sink for assertions beside a
 * PrometheusMetrics to serve). Hook-defined metrics go to each sink's hook registry; scrape hooks,
 * `reset` and the expositions come from the sinks that have them.
 */
export function teeMetrics(...sinks: Metrics[]): Metrics {
  type Extras = {
    reset?: (name: string) => void;
    onScrape?: (update: () => void) => () => void;
    text?: () => Promise<string>;
    hookText?: () => Promise<string>;
  };
  const extras = sinks as (Metrics & Extras)[];
  const exposing = extras.find((s) => typeof s.text === 'function');
  let hooks: Metrics | undefined;
  const tee: Metrics & Extras & { hookMetrics: Metrics } = {
    inc: (name, labels, value) => {
      for (const s of sinks) s.inc(name, labels, value);
    },
    set: (name, labels, value) => {
      for (const s of sinks) s.set(name, labels, value);
    },
    observe: (name: string, labels: Record<string, string>, value: number, buckets?: number[]) => {
      for (const s of sinks) (s.observe as BucketedObserve).call(s, name, labels, value, buckets);
    },
    remove: (name, labels) => {
      for (const s of sinks) s.remove?.(name, labels);
    },
    reset: (name) => {
      for (const s of extras) s.reset?.(name);
    },
    get hookMetrics() {
      hooks ??= sinks.every((s) => hookMetricsSink(s) === s)
        ? tee
        : teeMetrics(...sinks.map(hookMetricsSink));
      return hooks;
    },
    ...(exposing?.onScrape ? { onScrape: exposing.onScrape.bind(exposing) } : {}),
    ...(exposing?.text ? { text: exposing.text.bind(exposing) } : {}),
    ...(exposing?.hookText ? { hookText: exposing.hookText.bind(exposing) } : {}),
  };
  return tee;
}

type BucketedObserve = (
  name: string,
  labels: Record<string, string>,
  value: number,
  buckets?: number[],
) => void;

/**
 * `createEngine`'s default sink: drops every metric until `enable()` is called (`serveEngine`
 * does), then keeps addon-operator's metrics in a PrometheusMetrics from that moment on. An
 * engine nobody scrapes pays nothing for metrics.
 */
export class OnDemandMetrics implements Metrics {
  private prom: PrometheusMetrics | undefined;
  private readonly scrapers = new Set<() => void>();
  private readonly defaults = new Map<string, (labels: Record<string, string>) => string>();
  /** Hook-defined metrics, forwarded to the PrometheusMetrics' hook registry once enabled. */
  readonly hookMetrics: Metrics = {
    inc: (n, l, v) => this.prom?.hookMetrics.inc(n, l, v),
    set: (n, l, v) => this.prom?.hookMetrics.set(n, l, v),
    observe: (n: string, l: Record<string, string>, v: number, b?: number[]) =>
      this.prom?.hookMetrics.observe(n, l, v, b),
    remove: (n, l) => this.prom?.hookMetrics.remove(n, l),
  };

  constructor(private readonly prefix?: string) {}

  /** Starts keeping metrics (idempotent); returns the PrometheusMetrics that holds them. */
  enable(): PrometheusMetrics {
    if (!this.prom) {
      this.prom = new PrometheusMetrics(this.prefix);
      for (const update of this.scrapers) this.prom.onScrape(update);
      for (const [name, value] of this.defaults) this.prom.defaultLabel(name, value);
    }
    return this.prom;
  }

  get enabled(): boolean {
    return this.prom !== undefined;
  }

  inc(name: string, labels: Record<string, string>, value?: number): void {
    this.prom?.inc(name, labels, value);
  }
  set(name: string, labels: Record<string, string>, value: number): void {
    this.prom?.set(name, labels, value);
  }
  observe(name: string, labels: Record<string, string>, value: number, buckets?: number[]): void {
    this.prom?.observe(name, labels, value, buckets);
  }
  remove(name: string, labels: Record<string, string>): void {
    this.prom?.remove(name, labels);
  }
  reset(name: string): void {
    this.prom?.reset(name);
  }
  /** {@link PrometheusMetrics.defaultLabel}, kept for when metrics are enabled. */
  defaultLabel(name: string, value: (labels: Record<string, string>) => string): void {
    this.defaults.set(name, value);
    this.prom?.defaultLabel(name, value);
  }
  onScrape(update: () => void): () => void {
    this.scrapers.add(update);
    const off = this.prom?.onScrape(update);
    return () => {
      this.scrapers.delete(update);
      off?.();
    };
  }
  text(): Promise<string> {
    return this.enable().text();
  }
  hookText(): Promise<string> {
    return this.enable().hookText();
  }
}
