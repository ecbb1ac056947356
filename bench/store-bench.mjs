// The sqlite store's costs for a long-running writer: opening (lock, tail check) against checking
// every row, and a record put against an event append.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '@converge/store-sqlite';

const EVENTS = 100_000;

const event = (i) => ({
  type: 'HookFailed',
  module: 'crashy',
  hook: 'hooks/boom.sh',
  binding: 'beforeHelm',
  bindingNames: ['beforeHelm'],
  attempt: i,
  error: `exit status 3: boom ${i}`,
  at: '2026-01-01T00:00:00.000Z',
});

/** Best of `n` runs of `fn`, in ms. */
function best(n, fn) {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    fn();
    min = Math.min(min, performance.now() - start);
  }
  return min;
}

/** Rows for bench/run.mjs: [what, value, ratio]. */
export async function storeRows() {
  const dir = mkdtempSync(join(tmpdir(), 'converge-store-bench-'));
  try {
    const path = join(dir, 'events.sqlite');
    const seed = openSqliteEventStore(path);
    for (let i = 0; i < EVENTS; i += 1000) seed.append(Array.from({ length: 1000 }, (_, k) => event(i + k)));
    await seed.close();
    const open = (tailCheck) => () => {
      const s = openSqliteEventStore(path, { tailCheck });
      void s.close();
    };
    const oneRow = best(5, open(1));
    const tail = best(5, open(1000));
    const full = best(3, open(Number.POSITIVE_INFINITY));
    const store = openSqliteEventStore(path);
    let n = 0;
    const appendMs = best(3, () => {
      for (let i = 0; i < 1000; i++) store.append([event(n++)]);
    });
    const putMs = best(3, () => {
      for (let i = 0; i < 1000; i++)
        store.records.put(`cluster/v1/Secret/default/s-${i}`, { data: { k: `v${n++}` } });
    });
    await store.close();
    return [
      ['sqlite writer open, checking 1 row (yardstick)', `${oneRow.toFixed(2)} ms`, '1'],
      [
        'sqlite writer open, checking the last 1000 rows (the default)',
        `${tail.toFixed(2)} ms`,
        `${(tail / oneRow).toFixed(1)}× the yardstick`,
      ],
      [
        `sqlite writer open, checking all ${EVENTS.toLocaleString('en')} rows`,
        `${full.toFixed(0)} ms`,
        `${(full / tail).toFixed(0)}× the default`,
      ],
      [
        'records.put of one key (own transaction)',
        `${((putMs / 1000) * 1000).toFixed(1)} µs`,
        `${(putMs / appendMs).toFixed(2)}× an append of one event`,
      ],
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  for (const [what, value, ratio] of await storeRows())
    console.log(`${what.padEnd(70)} ${value.padStart(18)}   ${ratio}`);
