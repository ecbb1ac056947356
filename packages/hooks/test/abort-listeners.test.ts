import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runProcess } from '../src/hook-process.js';

// An embedder may hand executors one long-lived signal (its own shutdown): every process run adds
// an abort listener to it, and must take it off when the process has ended, or a week of hook
// runs keeps a listener per run alive.
describe('process runners and a long-lived abort signal', () => {
  it('a hook process leaves no abort listener behind once it ended', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) {
      const run = await runProcess({ argv: ['/bin/true'], cwd: '/', env: {}, signal: stop.signal });
      expect(run.exitCode).toBe(0);
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
