import type { HookMetricOperation, Metrics } from '@converge/core';
import { ConvergeError, metricOperationProblem } from '@converge/protocol';

/** A hook run's metric operations broke a rule of shell-operator pkg/hook/operation.go; nothing of the run was applied. */
export class HookMetricsError extends ConvergeError {
  readonly code = 'HOOK_METRICS';
  constructor(
    message: string,
    /** 1-based position of the offending operation in the run's list (the METRICS_PATH line). */
    readonly index: number,
  ) {
    super(message);
  }
}

export type HookMetricType = 'counter' | 'gauge' | 'histogram';

/** One exported series of a hook metric, as addon-operator's grouped metric storage keeps it. */
export interface HookMetricSeries {
  name: string;
  type: HookMetricType;
  group: string;
  /** The operation's labels plus `hook` (and `module` for module hooks). */
  labels: Record<string, string>;
  /** Counter (an unsigned integer) or gauge value; for a histogram the sum of observations. */
  value: number;
  /** Histogram only: the metric's buckets with cumulative counts, and the observation count. */
  buckets?: { le: number; count: number }[];
  count?: number;
}

/** Who wrote a run's operations: the default group is `hook`; `module` is added as a label. */
export interface HookMetricsRun {
  hook: string;
  module?: string;
}

interface Series {
  name: string;
  group: string;
  labels: Record<string, string>;
  value: number;
  observations: number[];
}

interface Family {
  type: HookMetricType;
  buckets?: number[];
  labelNames: Set<string>;
  series: Map<string, Series>;
}

const typeOf: Record<string, HookMetricType> = { add: 'counter', set: 'gauge', observe: 'histogram' };

const seriesKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** `observe` with the histogram's buckets, for sinks (PrometheusMetrics) that honour them. */
type BucketedObserve = (
  name: string,
  labels: Record<string, string>,
  value: number,
  buckets?: number[],
) => void;

/**
 * Hook metrics with addon-operator's group semantics (shell-operator pkg/hook/operation.go): a run's operations without a group
 * belong to the hook's group; every group a run writes is cleared before its operations are applied,
 * `expire` clears a group (the hook's own unless named); counters are unsigned integers that do not
 * accumulate across runs. The series are mirrored into `sink` (removed series via `sink.remove`).
 */
export class HookMetricsStorage {
  private readonly families = new Map<string, Family>();

  constructor(
    private readonly sink?: Metrics,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /**
   * Validates and applies one successful run's operations. Throws HookMetricsError (nothing
   * applied) when an operation lacks its name, value or buckets; unknown actions are dropped.
   */
  apply(run: HookMetricsRun, operations: readonly HookMetricOperation[]): void {
    const ops: HookMetricOperation[] = [];
    for (const [i, op] of operations.entries()) {
      const at = `metric ${i + 1}${op.name ? ` (${op.name})` : ''}`;
      if (op === null || typeof op !== 'object' || Array.isArray(op))
        throw new HookMetricsError(`${at} is not an object`, i + 1);
      if (op.action !== 'expire' && !Object.hasOwn(typeOf, op.action)) {
        this.warn(`hook ${run.hook}: ${at}: unknown action ${JSON.stringify(op.action)}, operation dropped`);
        continue;
      }
      const problem = metricOperationProblem(op);
      if (problem) throw new HookMetricsError(`${at}: ${problem.message}`, i + 1);
      ops.push(op);
    }
    if (ops.length === 0) return;
    const removed: { name: string; labels: Record<string, string> }[] = [];
    const written = new Set<Series>();
    const groupOf = (op: HookMetricOperation) => op.group || run.hook;
    const clear = (group: string) => {
      for (const [name, family] of this.families)
        for (const [key, s] of family.series)
          if (s.group === group) {
            family.series.delete(key);
            written.delete(s);
            removed.push({ name, labels: s.labels });
          }
    };
    for (const group of new Set(ops.filter((op) => op.action !== 'expire').map(groupOf))) clear(group);
    const resync = new Set<string>();
    for (const op of ops) {
      if (op.action === 'expire') {
        clear(groupOf(op));
        continue;
      }
      const type = typeOf[op.action] as HookMetricType;
      let family = this.families.get(op.name);
      if (!family) {
        family = { type, labelNames: new Set(), series: new Map() };
        if (type === 'histogram') family.buckets = [...(op.buckets ?? [])].sort((a, b) => a - b);
        this.families.set(op.name, family);
      } else if (family.type !== type) {
        this.warn(`hook ${run.hook}: metric ${op.name} is a ${family.type}, ${op.action} ignored`);
        continue;
      }
      const labels = {
        ...(op.labels ?? {}),
        hook: run.hook,
        ...(run.module ? { module: run.module } : {}),
      };
      for (const l of Object.keys(labels))
        if (!family.labelNames.has(l)) {
          if (family.labelNames.size > 0) resync.add(op.name);
          family.labelNames.add(l);
        }
      const key = seriesKey(labels);
      let s = family.series.get(key);
      if (!s) {
        s = { name: op.name, group: groupOf(op), labels, value: 0, observations: [] };
        family.series.set(key, s);
      }
      s.group = groupOf(op);
      const value = op.value as number;
      if (op.action === 'set') s.value = value;
      else if (op.action === 'add') s.value += Math.max(0, Math.trunc(value));
      else {
        s.value += value;
        s.observations.push(value);
      }
      written.add(s);
    }
    this.push(removed, written, resync);
  }

  /** Every exported series (of `name` when given), in insertion order. */
  series(name?: string): HookMetricSeries[] {
    const out: HookMetricSeries[] = [];
    for (const [n, family] of this.families) {
      if (name !== undefined && n !== name) continue;
      for (const s of family.series.values()) out.push(this.view(family, s));
    }
    return out;
  }

  /** The series of `name` with exactly `labels` (engine labels included), if exported. */
  get(name: string, labels: Record<string, string>): HookMetricSeries | undefined {
    const family = this.families.get(name);
    const s = family?.series.get(seriesKey(labels));
    return family && s ? this.view(family, s) : undefined;
  }

  private view(family: Family, s: Series): HookMetricSeries {
    const base = { name: s.name, type: family.type, group: s.group, labels: { ...s.labels }, value: s.value };
    if (family.type !== 'histogram') return base;
    return {
      ...base,
      buckets: (family.buckets ?? []).map((le) => ({
        le,
        count: s.observations.filter((o) => o <= le).length,
      })),
      count: s.observations.length,
    };
  }

  /** Mirrors a run's changes into the sink; a sink failure is logged, never thrown. */
  private push(
    removed: { name: string; labels: Record<string, string> }[],
    written: Set<Series>,
    resync: Set<string>,
  ): void {
    const sink = this.sink;
    if (!sink) return;
    const series = new Set(written);
    for (const name of resync) for (const s of this.families.get(name)?.series.values() ?? []) series.add(s);
    try {
      for (const r of removed) sink.remove?.(r.name, r.labels);
      for (const s of series) {
        const family = this.families.get(s.name) as Family;
        sink.remove?.(s.name, s.labels);
        if (family.type === 'gauge') sink.set(s.name, s.labels, s.value);
        else if (family.type === 'counter') sink.inc(s.name, s.labels, s.value);
        else
          for (const o of s.observations)
            (sink.observe as BucketedObserve).call(sink, s.name, s.labels, o, family.buckets);
      }
    } catch (e) {
      this.warn(`hook metrics: the metrics sink failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
