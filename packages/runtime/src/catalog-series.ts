/** One series of a catalog metric: its value (a histogram's count), sum and buckets. */
interface Series {
  value: number;
  sum: number;
  /** Per bucket (non-cumulative) observation counts; histograms only. */
  readonly counts: number[] | undefined;
}

/** A sample as prom-client's `Registry` formats it (`metricName` for a histogram's parts). */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Record<string, string>;
}

/**
 * One of addon-operator's own metrics (a fixed label set) kept as plain numbers per series, and
 * registered in a prom-client `Registry` as a metric it formats at scrape time (the `get()` shape
 * of prom-client's Counter, Gauge and Histogram). A use looks its series up by the label values in
 * the metric's label order (a missing one is "", an unknown one is ignored): no label hashing,
 * validation or bucket objects per use, which prom-client's own metrics do on every call.
 * Counters ignore negative and non-finite increments and histograms non-finite observations
 * (prom-client would throw; a metrics sink never does). A metric without labels always has its
 * one series, at zero until used (as prom-client's).
 */
export class CatalogSeries {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    kind: 'counter' | 'gauge' | 'histogram',
    readonly labelNames: readonly string[],
    readonly help: string,
    private readonly buckets: readonly number[] = [],
  ) {
    this.type = kind;
    this.reset();
  }

  /**
   * Where a use leaves label `name` out, `value(labels)` gives it (instead of ""); ignored when
   * the metric has no such label.
   */
  defaultLabel(name: string, value: (labels: Record<string, string>) => string): void {
    const i = this.labelNames.indexOf(name);
    if (i < 0) return;
    this.fallbackAt = i;
    this.fallback = value;
  }
  private fallbackAt = -1;
  private fallback: ((labels: Record<string, string>) => string) | undefined;

  /**
   * The key of `labels`' series: its label values in the metric's order (a left-out one is its
   * default, or ""), NUL-separated; the labels are read back from it when scraped.
   */
  private keyOf(labels: Record<string, string>): string {
    const names = this.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) {
      let v = labels[names[i] as string];
      if (v === undefined) v = i === this.fallbackAt && this.fallback ? this.fallback(labels) : '';
      key = i === 0 ? v : `${key}\u0000${v}`;
    }
    return key;
  }

  /** The labels of the series of `key`. */
  private labelsOf(key: string): Record<string, string> {
    const labels: Record<string, string> = {};
    if (this.labelNames.length === 0) return labels;
    const values = key.split('\u0000');
    for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i] as string] = values[i] ?? '';
    return labels;
  }

  /** The series of `labels`, created (at zero) on first use. */
  private at(labels: Record<string, string>): Series {
    const key = this.keyOf(labels);
    let s = this.series.get(key);
    if (s === undefined) {
      s = {
        value: 0,
        sum: 0,
        counts: this.type === 'histogram' ? new Array<number>(this.buckets.length).fill(0) : undefined,
      };
      this.series.set(key, s);
    }
    return s;
  }

  inc(labels: Record<string, string>, value = 1): void {
    if (value >= 0 && value !== Number.POSITIVE_INFINITY) this.at(labels).value += value;
  }

  set(labels: Record<string, string>, value: number): void {
    this.at(labels).value = value;
  }

  observe(labels: Record<string, string>, value: number): void {
    if (!Number.isFinite(value)) return;
    const s = this.at(labels);
    s.value += 1;
    s.sum += value;
    const b = this.buckets;
    for (let i = 0; i < b.length; i++)
      if (value <= (b[i] as number)) {
        (s.counts as number[])[i] = ((s.counts as number[])[i] as number) + 1;
        break;
      }
  }

  /** Drops the series of exactly `labels`. */
  remove(labels: Record<string, string>): void {
    this.series.delete(this.keyOf(labels));
  }

  /** Drops every series (one without labels starts over at zero, as prom-client's does). */
  reset(): void {
    this.series.clear();
    if (this.labelNames.length === 0) this.at({});
  }

  /** The samples as prom-client's text format reads them (a histogram's labels as shared labels). */
  getForPromString(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    const values: Sample[] = [];
    if (this.type !== 'histogram') {
      for (const [key, s] of this.series) values.push({ value: s.value, labels: this.labelsOf(key) });
    } else {
      const bucket = `${this.name}_bucket`;
      for (const [key, s] of this.series) {
        const labels = this.labelsOf(key);
        let acc = 0;
        for (let i = 0; i < this.buckets.length; i++) {
          acc += (s.counts as number[])[i] as number;
          values.push({
            value: acc,
            labels: { le: this.buckets[i] as number },
            metricName: bucket,
            sharedLabels: labels,
          });
        }
        values.push({ value: s.value, labels: { le: '+Inf' }, metricName: bucket, sharedLabels: labels });
        values.push({ value: s.sum, labels: {}, metricName: `${this.name}_sum`, sharedLabels: labels });
        values.push({ value: s.value, labels: {}, metricName: `${this.name}_count`, sharedLabels: labels });
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The samples with every label on each (prom-client's `Metric.get()`, for `getMetricsAsJSON`). */
  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const data = this.getForPromString();
    data.values = data.values.map(({ sharedLabels, ...v }) => ({
      ...v,
      labels: { ...sharedLabels, ...v.labels },
    }));
    return data;
  }
}
