import type { HookMetricOperation } from '@converge/core';
import { toNdjsonLines } from './ndjson.js';

/** Options of a metric call: `group` puts the operation in that metric group (empty = none). */
export interface MetricOptions {
  group?: string;
}

/**
 * Collects metric operations as module-sdk's MetricsCollector does (module-sdk internal/controller/controller.go, TV-87): `inc` and
 * `add` produce `add`, `set` produces `set`, `expire` an expire of a group (the hook's own group
 * when empty). There is no `observe`, as in the Go SDK.
 */
export class MetricsCollector {
  private readonly ops: HookMetricOperation[] = [];

  /** Adds 1 to the counter `name`. */
  inc(name: string, labels?: Record<string, string>, options?: MetricOptions): void {
    this.add(name, 1, labels, options);
  }

  /** Adds `value` to the counter `name`. */
  add(name: string, value: number, labels?: Record<string, string>, options?: MetricOptions): void {
    this.push(name, 'add', value, labels, options?.group);
  }

  /** Sets the gauge `name` to `value`. */
  set(name: string, value: number, labels?: Record<string, string>, options?: MetricOptions): void {
    this.push(name, 'set', value, labels, options?.group);
  }

  /** Expires every metric of `group`; an empty group means the engine's default group (the hook). */
  expire(group?: string): void {
    this.ops.push({ name: '', ...(group ? { group } : {}), action: 'expire' });
  }

  /** The collected operations in call order (labels omitted when none were given). */
  operations(): HookMetricOperation[] {
    return this.ops.map((op) => ({ ...op, ...(op.labels ? { labels: { ...op.labels } } : {}) }));
  }

  /** `$METRICS_PATH` content as module-sdk writes it: one object per line, `"labels":null` when none. */
  toNdjson(): string {
    return toNdjsonLines(this.ops.map((op) => ({ ...op, labels: op.labels ?? null })));
  }

  private push(
    name: string,
    action: 'add' | 'set',
    value: number,
    labels: Record<string, string> | undefined,
    group: string | undefined,
  ): void {
    this.ops.push({
      name,
      ...(group ? { group } : {}),
      action,
      value,
      ...(labels ? { labels: { ...labels } } : {}),
    });
  }
}
