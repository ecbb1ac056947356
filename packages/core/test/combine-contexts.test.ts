import { describe, expect, it } from 'vitest';
import {
  type CombinableTask,
  combineFollowing,
  compactGroups,
  compactLargeQueue,
} from '../src/combine-contexts.js';
import type { BindingContext } from '../src/ports.js';

const ctx = (binding: string, extra: Record<string, unknown> = {}): BindingContext => ({ binding, ...extra });

function task(
  id: string,
  hookKey: string,
  contexts: BindingContext[],
  groups: (string | undefined)[] = contexts.map(() => undefined),
  extra: Partial<CombinableTask> = {},
): CombinableTask {
  return { id, kind: 'ModuleHookRun', hookKey, contexts, groups, ...extra };
}

const sync = (waitForSynchronization = true, executeOnSynchronization = true) => ({
  sync: { waitForSynchronization, executeOnSynchronization },
});

describe('combining binding contexts (AO §1.7, HP §2.9)', () => {
  it('TV-32 combines consecutive tasks of the same hook only', () => {
    const queue = [
      task('T1', 'hook1', [ctx('pods', { type: 'Event', n: 1 })]),
      task('T2', 'hook1', [ctx('pods', { type: 'Event', n: 2 })]),
      task('T3', 'hook1', [ctx('every-min', { type: 'Schedule' })]),
      task('T4', 'hook2', [ctx('pods', { type: 'Event', n: 4 })]),
      task('T5', 'hook1', [ctx('pods', { type: 'Event', n: 5 })]),
    ];
    const r = combineFollowing(queue, 0);
    expect(r.absorbedIds).toEqual(['T2', 'T3']);
    expect(r.contexts).toEqual([
      ctx('pods', { type: 'Event', n: 1 }),
      ctx('pods', { type: 'Event', n: 2 }),
      ctx('every-min', { type: 'Schedule' }),
    ]);
    expect(r.absorbedSyncIds).toEqual([]);
    // Another task type for the same hook stops the run too.
    const mixed = [queue[0] as CombinableTask, { ...(queue[1] as CombinableTask), kind: 'GlobalHookRun' }];
    expect(combineFollowing(mixed, 0).absorbedIds).toEqual([]);
    // Nothing to absorb: the head's contexts come back as they are.
    expect(combineFollowing(queue, 3)).toEqual({
      absorbedIds: [],
      contexts: [ctx('pods', { type: 'Event', n: 4 })],
      groups: [undefined],
      absorbedSyncIds: [],
    });
  });

  it('TV-33 group compaction keeps the last of each run of same-group contexts', () => {
    const A = ctx('A');
    const B = ctx('B');
    const C = ctx('C');
    const D = ctx('D');
    const E = ctx('E');
    expect(compactGroups([A, B, C, D, E], ['pods', 'pods', undefined, 'pods', 'pods']).contexts).toEqual([
      B,
      C,
      E,
    ]);
    expect(compactGroups([A, B], [undefined, undefined]).contexts).toEqual([A, B]);
    expect(compactGroups([A, B], ['', '']).contexts).toEqual([A, B]);
    const queue = [
      task('1', 'h', [A], ['pods']),
      task('2', 'h', [B], ['pods']),
      task('3', 'h', [C]),
      task('4', 'h', [D, E], ['pods', 'pods']),
    ];
    const r = combineFollowing(queue, 0);
    expect(r.contexts).toEqual([B, C, E]);
    expect(r.groups).toEqual(['pods', undefined, 'pods']);
  });

  it('TV-34 Synchronization tasks combine in addon-operator unless their sync flags differ', () => {
    const S1 = task(
      'S1',
      'hook1',
      [ctx('pods', { type: 'Synchronization', objects: [] })],
      undefined,
      sync(),
    );
    const S2 = task('S2', 'hook1', [ctx('cms', { type: 'Synchronization', objects: [] })], undefined, sync());
    const ao = combineFollowing([S1, S2], 0);
    expect(ao.absorbedIds).toEqual(['S2']);
    expect(ao.absorbedSyncIds).toEqual(['S2']);
    expect(ao.contexts.map((c) => c.binding)).toEqual(['pods', 'cms']);
    // shell-operator: an ungrouped Synchronization head runs alone.
    expect(combineFollowing([S1, S2], 0, { flavour: 'shell-operator' }).absorbedIds).toEqual([]);
    // Different waitForSynchronization or executeOnSynchronization stops the run.
    const noWait = { ...S2, ...sync(false, true) };
    const noExec = { ...S2, ...sync(true, false) };
    expect(combineFollowing([S1, noWait], 0).absorbedIds).toEqual([]);
    expect(combineFollowing([S1, noExec], 0).absorbedIds).toEqual([]);
    // A non-Synchronization head absorbs a Synchronization task regardless of its flags.
    const event = task('E', 'hook1', [ctx('pods', { type: 'Event' })]);
    expect(combineFollowing([event, noWait], 0)).toMatchObject({
      absorbedIds: ['S2'],
      absorbedSyncIds: ['S2'],
    });
  });

  it('large-queue compaction merges a hook with 100+ tasks, groups last and in first-seen order', () => {
    const queue: CombinableTask[] = [task('other', 'h2', [ctx('x')])];
    for (let i = 0; i < 100; i++) {
      const group = i % 10 === 0 ? (i % 20 === 0 ? 'g2' : 'g1') : undefined;
      queue.push(task(`t${i}`, 'h1', [ctx(`c${i}`)], [group], i === 50 ? sync() : {}));
    }
    expect(compactLargeQueue(queue.slice(0, 100))).toEqual([]);
    const [merge, ...more] = compactLargeQueue(queue);
    expect(more).toEqual([]);
    expect(merge?.intoId).toBe('t0');
    expect(merge?.absorbedIds).toHaveLength(99);
    expect(merge?.absorbedSyncIds).toEqual(['t50']);
    const bindings = merge?.contexts.map((c) => c.binding) ?? [];
    expect(bindings).toHaveLength(90 + 2);
    expect(bindings.slice(0, 3)).toEqual(['c1', 'c2', 'c3']);
    expect(bindings.slice(-2)).toEqual(['c80', 'c90']);
    expect(merge?.groups.slice(-2)).toEqual(['g2', 'g1']);
    // The running task is not merged, and GlobalHookRun never compacts.
    expect(compactLargeQueue(queue, { runningId: 't0' })).toEqual([]);
    const global = queue.map((t) => ({ ...t, kind: 'GlobalHookRun' }));
    expect(compactLargeQueue(global)).toEqual([]);
  });
});
