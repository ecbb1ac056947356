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
    // A long-running `converge run` serves HTTP (default 127.0.0.1:9650): tests and the processes
    // they start take a free port instead, so that parallel runs never collide.
    env: { ADDON_OPERATOR_LISTEN_PORT: '0' },
  },
});
