import { ConvergeError } from '@converge/protocol';
import type { HookMetricOperation } from './ports.js';

/**
 * Hook metrics with addon-operator's grouped-storage semantics (HP §3.4), as pure state: the
 * default group is the hook name, every group a run writes loses its previous series first,
 * `expire` clears a group, counters are unsigned integers that do not accumulate across runs.
 */

/** A run's metric operations broke a rule of HP §3.4; nothing of the run was applied. */
export class MetricOperationError extends ConvergeError {
  readonly code = 'METRIC_OPERATION';
  constructor(
    message: string,
    /** 1-based position of the operation in the run's list. */
    readonly index: number,
    readonly field: string,
  ) {
    super(message);
  }
}

export type StoredMetricType = 'counter' | 'gauge' | 'histogram';

/** One exported series. */
export interface StoredMetricSeries {
  name: string;
  type: StoredMetricType;
  group: string;
  /** The operation's labels plus the engine's `hook` (and `module`) labels, which win. */
  labels: Record<string, string>;
  /** Counter or gauge value; for a histogram, the sum of observations. */
  value: number;
  /** Histogram only: cumulative count per upper bound, and the number of observations. */
  buckets?: { le: number; count: number }[];
  count?: number;
}

/** Whose run it is: `hook` is the default group and a label; `module` is added as a label. */
export interface MetricsRunOwner {
  hook: string;
  module?: string;
}

/** What one `apply` did: series removed and written, operations dropped or ignored (warnings). */
export interface MetricsApplyResult {
  removed: { name: string; labels: Record<string, string> }[];
  written: StoredMetricSeries[];
  /** 1-based index and reason of each operation that was dropped or ignored. */
  warnings: { index: number; message: string }[];
}

interface Series {
  group: string;
  labels: Record<string, string>;
  value: number;
  observations: number[];
}

interface Family {
  type: StoredMetricType;
  buckets: number[];
  series: Map<string, Series>;
}

const typeOf: Record<string, StoredMetricType> = { add: 'counter', set: 'gauge', observe: 'histogram' };

const labelsKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Validates a run's operations (HP §3.4 step 4); unknown or empty actions are dropped, not errors. */
export function validateMetricOperations(operations: readonly HookMetricOperation[]): {
  kept: { op: HookMetricOperation; index: number }[];
  dropped: { index: number; message: string }[];
} {
  const kept: { op: HookMetricOperation; index: number }[] = [];
  const dropped: { index: number; message: string }[] = [];
  operations.forEach((op, i) => {
    const index = i + 1;
    const at = `metric ${index}${op.name ? ` (${op.name})` : ''}`;
    if (op.action !== 'expire' && !Object.hasOwn(typeOf, op.action)) {
      dropped.push({ index, message: `${at}: unknown action ${JSON.stringify(op.action)}, dropped` });
      return;
    }
    if (op.action !== 'expire') {
      if (!op.name) throw new MetricOperationError(`${at}: name is required for ${op.action}`, index, 'name');
      if (typeof op.value !== 'number' || !Number.isFinite(op.value))
        throw new MetricOperationError(`${at}: value is required for ${op.action}`, index, 'value');
    }
    if (op.action === 'observe' && !(Array.isArray(op.buckets) && op.buckets.length > 0))
      throw new MetricOperationError(`${at}: buckets are required for observe`, index, 'buckets');
    kept.push({ op, index });
  });
  return { kept, dropped };
}

/** The hook metric series of an engine, updated run by run. */
export class HookMetricsStore {
  private readonly families = new Map<string, Family>();

  /**
   * Applies one run's operations: validates all first (throws MetricOperationError, nothing
   * applied), clears every group the run writes, then applies in order. A run with no valid
   * operation changes nothing.
   */
  apply(owner: MetricsRunOwner, operations: readonly HookMetricOperation[]): MetricsApplyResult {
    const { kept, dropped } = validateMetricOperations(operations);
    const result: MetricsApplyResult = { removed: [], written: [], warnings: [...dropped] };
    if (kept.length === 0) return result;
    const groupOf = (op: HookMetricOperation) => op.group || owner.hook;
    const written = new Map<Series, string>();
    const clear = (group: string) => {
      for (const [name, family] of this.families)
        for (const [key, s] of family.series)
          if (s.group === group) {
            family.series.delete(key);
            if (written.delete(s)) continue;
            result.removed.push({ name, labels: s.labels });
          }
    };
    for (const group of new Set(kept.map(({ op }) => groupOf(op)))) clear(group);
    for (const { op, index } of kept) {
      if (op.action === 'expire') {
        clear(groupOf(op));
        continue;
      }
      const type = typeOf[op.action] as StoredMetricType;
      let family = this.families.get(op.name);
      if (!family) {
        family = { type, buckets: [...(op.buckets ?? [])].sort((a, b) => a - b), series: new Map() };
        this.families.set(op.name, family);
      } else if (family.type !== type) {
        result.warnings.push({
          index,
          message: `metric ${index} (${op.name}): ${op.name} is a ${family.type}, ${op.action} ignored`,
        });
        continue;
      }
      const labels: Record<string, string> = { ...(op.labels ?? {}), hook: owner.hook };
      if (owner.module) labels.module = owner.module;
      const key = labelsKey(labels);
      let s = family.series.get(key);
      if (!s) {
        s = { group: groupOf(op), labels, value: 0, observations: [] };
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
      written.set(s, op.name);
    }
    for (const [s, name] of written)
      result.written.push(this.view(name, this.families.get(name) as Family, s));
    return result;
  }

  /** Every exported series (of `name` when given), metrics in first-use order, series in write order. */
  series(name?: string): StoredMetricSeries[] {
    const out: StoredMetricSeries[] = [];
    for (const [n, family] of this.families) {
      if (name !== undefined && n !== name) continue;
      for (const s of family.series.values()) out.push(this.view(n, family, s));
    }
    return out;
  }

  /** The series of `name` with exactly `labels` (engine labels included), if exported. */
  get(name: string, labels: Record<string, string>): StoredMetricSeries | undefined {
    const family = this.families.get(name);
    const s = family?.series.get(labelsKey(labels));
    return family && s ? this.view(name, family, s) : undefined;
  }

  private view(name: string, family: Family, s: Series): StoredMetricSeries {
    const base: StoredMetricSeries = {
      name,
      type: family.type,
      group: s.group,
      labels: { ...s.labels },
      value: s.value,
    };
    if (family.type !== 'histogram') return base;
    base.buckets = family.buckets.map((le) => ({ le, count: s.observations.filter((o) => o <= le).length }));
    base.count = s.observations.length;
    return base;
  }
}
