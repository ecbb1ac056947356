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
 * one series, at zero until used (as prom-client's). Uses are queued as given (their labels object
 * and value, and the left-out label's default as of the use) and folded into the series when the
 * metric is read or removed from, or when {@link MAX_PENDING} are waiting: a hook run pays an array
 * push, the scrape pays the lookups. A caller must not change a labels object it has passed.
 */
/** The uses a metric queues before it folds them into its series (a bound on their memory). */
export const MAX_PENDING = 16_384;

export class CatalogSeries {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();
  /** Queued uses, three entries each: labels, value, the left-out label's default (or undefined). */
  private readonly pending: unknown[] = [];

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
  private keyOf(labels: Record<string, string>, fallback?: string): string {
    const names = this.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) {
      let v = labels[names[i] as string];
      if (v === undefined) v = i === this.fallbackAt ? (fallback ?? '') : '';
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
  private at(labels: Record<string, string>, fallback: string | undefined): Series {
    const key = this.keyOf(labels, fallback);
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

  /** The left-out label's default for `labels` as of now; undefined when they have it. */
  private defaultOf(labels: Record<string, string>): string | undefined {
    const at = this.fallbackAt;
    return at >= 0 && this.fallback && labels[this.labelNames[at] as string] === undefined
      ? this.fallback(labels)
      : undefined;
  }

  /** Queues a use, with the left-out label's default as of now. */
  private queue(labels: Record<string, string>, value: number): void {
    this.pending.push(labels, value, this.defaultOf(labels));
    if (this.pending.length >= MAX_PENDING * 3) this.fold();
  }

  /** Folds the queued uses into the series, in order. */
  private fold(): void {
    const p = this.pending;
    const b = this.buckets;
    for (let i = 0; i < p.length; i += 3) {
      const s = this.at(p[i] as Record<string, string>, p[i + 2] as string | undefined);
      const value = p[i + 1] as number;
      if (this.type === 'gauge') s.value = value;
      else if (this.type === 'counter') s.value += value;
      else {
        s.value += 1;
        s.sum += value;
        for (let j = 0; j < b.length; j++)
          if (value <= (b[j] as number)) {
            (s.counts as number[])[j] = ((s.counts as number[])[j] as number) + 1;
            break;
          }
      }
    }
    p.length = 0;
  }

  inc(labels: Record<string, string>, value = 1): void {
    if (this.type === 'counter' && value >= 0 && value !== Number.POSITIVE_INFINITY)
      this.queue(labels, value);
  }

  set(labels: Record<string, string>, value: number): void {
    if (this.type === 'gauge') this.queue(labels, value);
  }

  observe(labels: Record<string, string>, value: number): void {
    if (this.type === 'histogram' && Number.isFinite(value)) this.queue(labels, value);
  }

  /** Drops the series of exactly `labels`. */
  remove(labels: Record<string, string>): void {
    this.fold();
    this.series.delete(this.keyOf(labels, this.defaultOf(labels)));
  }

  /** Drops every series (one without labels starts over at zero, as prom-client's does). */
  reset(): void {
    this.pending.length = 0;
    this.series.clear();
    if (this.labelNames.length === 0) this.at({}, undefined);
  }

  /** The samples as prom-client's text format reads them (a histogram's labels as shared labels). */
  getForPromString(): { name: string; help: string; type: string; values: Sample[]; aggregator: string } {
    this.fold();
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
