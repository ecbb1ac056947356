import type { HookMetricOperation } from '@converge/core';
import { parseMetricsFile } from '@converge/hooks';
import { metricOperationSchema } from '@converge/protocol';
import { HookMetricsStorage } from '@converge/runtime';
import { describe, expect, it } from 'vitest';

/** Whether each of the three places that see a metric operation accepts it. */
function verdicts(op: Record<string, unknown>) {
  let file = true;
  try {
    parseMetricsFile(JSON.stringify(op), 'hooks/h');
  } catch {
    file = false;
  }
  let storage = true;
  try {
    new HookMetricsStorage().apply({ hook: 'hooks/h' }, [op as unknown as HookMetricOperation]);
  } catch {
    storage = false;
  }
  return { file, storage, schema: metricOperationSchema.safeParse(op).success };
}

describe('one metric-operation check (protocol metricOperationProblem) for the file reader, the storage and the schema', () => {
  it.each([
    ['observe with buckets', { name: 'm', action: 'observe', value: 1, buckets: [1, 2] }, true],
    // Before, the file reader accepted empty buckets while the storage and the schema refused them.
    ['observe with empty buckets', { name: 'm', action: 'observe', value: 1, buckets: [] }, false],
    ['observe without buckets', { name: 'm', action: 'observe', value: 1 }, false],
    ['add without a value', { name: 'm', action: 'add' }, false],
    ['set without a name', { action: 'set', value: 1 }, false],
    ['expire without a name', { name: '', action: 'expire' }, true],
    ['set', { name: 'm', action: 'set', value: 3, labels: { a: 'b' } }, true],
  ])('%s: all three say %s', (_title, op, valid) => {
    expect(verdicts(op)).toEqual({ file: valid, storage: valid, schema: valid });
  });
});
