import { z } from 'zod';
import { hookOutputFileError, type PatchFileOptions, readJsonStream } from './patch-files.js';
import { safeParseWithRules } from './schema-issues.js';

/**
 * The METRICS_PATH file (HP §3.4): a stream of JSON objects, one metric operation each. Parsing
 * expands the deprecated `set`/`add` shortcuts, fills the default group, drops unknown actions
 * (reported as warnings) and validates the whole batch; any invalid line rejects the file.
 */

/** One line as written, after Go-style case-insensitive key matching and nulls removed. */
export const metricLineSchema = z.object({
  name: z.string().optional(),
  action: z.string().optional(),
  value: z.number().optional(),
  buckets: z.array(z.number()).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  group: z.string().optional(),
  /** Deprecated shortcut for `action: set, value: <n>`. */
  set: z.number().optional(),
  /** Deprecated shortcut for `action: add, value: <n>`. */
  add: z.number().optional(),
});
export type MetricLine = z.infer<typeof metricLineSchema>;

export const metricActions = ['add', 'set', 'observe', 'expire'] as const;
export type MetricAction = (typeof metricActions)[number];

/** A validated operation; assignable to core's `HookMetricOperation`. */
export interface MetricFileOperation {
  /** `''` for an `expire` without a name. */
  name: string;
  action: MetricAction;
  value?: number;
  labels?: Record<string, string>;
  buckets?: number[];
  group?: string;
}

export interface MetricsFileOptions extends PatchFileOptions {
  /** The hook name: the group of operations that name none (HP §3.4 step 2). */
  defaultGroup?: string;
}

export interface MetricsFileResult {
  operations: MetricFileOperation[];
  /** Lines dropped because of an unknown or empty action (a warning, not a failure). */
  warnings: { document: number; message: string }[];
}

const lineKeys = Object.keys(metricLineSchema.shape);

function canonicalLine(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const canonical = lineKeys.find((k) => k === key.toLowerCase());
    if (canonical !== undefined && value !== null) out[canonical] = value;
  }
  return out;
}

/** Parses and validates a metrics file; throws HookOutputFileError naming the line and the field. */
export function parseMetricsFile(text: string, options: MetricsFileOptions = {}): MetricsFileResult {
  const file = options.file ?? 'metrics';
  const result: MetricsFileResult = { operations: [], warnings: [] };
  readJsonStream(text, file).forEach((raw, i) => {
    const document = i + 1;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
      throw hookOutputFileError(
        file,
        document,
        '',
        `got bad metrics: must be an object (got ${Array.isArray(raw) ? 'an array' : String(raw)})`,
      );
    const parsed = safeParseWithRules(metricLineSchema, canonicalLine(raw as Record<string, unknown>));
    if (!parsed.success) {
      const issue = parsed.issues[0] as { path: string; message: string };
      throw hookOutputFileError(file, document, issue.path, issue.message);
    }
    const line = parsed.data;
    let { action, value } = line;
    if (line.set !== undefined && line.add === undefined) [action, value] = ['set', line.set];
    else if (line.add !== undefined && line.set === undefined) [action, value] = ['add', line.add];
    if (!action || !(metricActions as readonly string[]).includes(action)) {
      result.warnings.push({
        document,
        message: `${file}: document ${document}: action ${JSON.stringify(action ?? '')} is not add, set, observe or expire; operation dropped`,
      });
      return;
    }
    const name = line.name ?? '';
    const fail = (field: string, rule: string) => hookOutputFileError(file, document, field, rule);
    if (action !== 'expire') {
      if (!name) throw fail('name', `is required for ${action}`);
      if (value === undefined) throw fail('value', `is required for ${action}`);
    }
    if (action === 'observe' && line.buckets === undefined) throw fail('buckets', 'is required for observe');
    const group = line.group || options.defaultGroup;
    result.operations.push({
      name,
      action: action as MetricAction,
      ...(value !== undefined && action !== 'expire' ? { value } : {}),
      ...(line.labels ? { labels: line.labels } : {}),
      ...(line.buckets ? { buckets: line.buckets } : {}),
      ...(group ? { group } : {}),
    });
  });
  return result;
}
