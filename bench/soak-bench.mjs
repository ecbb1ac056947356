// The soak of issue 9 in `npm run bench`: bench/soak.mjs in a child process with --expose-gc (so
// heap is measured after gc, apart from the other benchmarks' garbage), once on the bounded
// memory store and once on the sqlite store (converge run's default). SOAK_DAYS,
// SOAK_KUBE_EVERY_S, SOAK_RETAIN and SOAK_VARIETY pass through; SOAK_STORES=memory skips sqlite.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const MB = 1024 * 1024;

export function soakBench(store = 'memory') {
  const out = execFileSync(process.execPath, ['--expose-gc', join(import.meta.dirname, 'soak.mjs')], {
    encoding: 'utf8',
    env: { ...process.env, SOAK_STORE: store },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

/** Rows for bench/run.mjs: heap at hour 1 (the baseline), at day 1 and at the end, per store. */
export function soakRows() {
  const rows = [];
  for (const store of (process.env.SOAK_STORES ?? 'memory,sqlite').split(',')) {
    const s = soakBench(store);
    const where = store === 'sqlite' ? 'sqlite store' : `memory store retaining ${s.retain}`;
    rows.push(
      [
        `soak, ${where}: ${s.days} days, schedule 1/min + kube event every ${s.kubeEveryS} s: heap at hour 1`,
        `${(s.hour1 / MB).toFixed(1)} MB`,
        '1',
      ],
      ...(s.day1
        ? [
            [
              '  heap after gc at day 1',
              `${(s.day1 / MB).toFixed(1)} MB`,
              `${(s.day1 / s.hour1).toFixed(3)}× hour 1`,
            ],
          ]
        : []),
      [
        `  heap after gc at day ${s.days} (${s.events.toLocaleString('en')} events)`,
        `${(s.end / MB).toFixed(1)} MB`,
        `${s.ratio.toFixed(3)}× hour 1 (target ≤ 1.2)${s.day1 ? `, ${s.ratioToDay1.toFixed(3)}× day 1` : ''}`,
      ],
      [
        '  soak wall time',
        `${(s.wallMs / 1000).toFixed(1)} s`,
        `${((s.days * 86_400_000) / s.wallMs).toFixed(0)}× real time`,
      ],
    );
  }
  return rows;
}
