import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runHelm } from '../src/helm-process.js';

// An embedder may hand executors one long-lived signal (its own shutdown): every process run adds
// an abort listener to it, and must take it off when the process has ended, or a week of hook
// runs keeps a listener per run alive.
describe('process runners and a long-lived abort signal', () => {
  it('a helm process leaves no abort listener behind once it ended', async () => {
    const stop = new AbortController();
    for (let i = 0; i < 20; i++) {
      await runHelm('/bin/true', 'version', [], { env: {}, signal: stop.signal });
      await expect(runHelm('/bin/false', 'version', [], { env: {}, signal: stop.signal })).rejects.toThrow();
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});
