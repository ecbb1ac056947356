import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test time is spent waiting on child processes (hooks, helm, converge runs, servers), not
    // on CPU: three files at once on two cores halves the suite's wall time (vitest's default on a
    // 2-core machine is one). Tests wait for events, never for time, so load does not change results.
    maxWorkers: 3,
    // A long-running `converge run` serves HTTP (default 127.0.0.1:9650): tests and the processes
    // they start take a free port instead, so that parallel runs never collide.
    env: { ADDON_OPERATOR_LISTEN_PORT: '0' },
  },
});
