import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const cm = (name: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { app: 'x' } },
});

const startedAt = (hookName: string) =>
  t!.events.filter((e) => e.type === 'HookStarted' && e.hook === hookName).map((e) => Date.parse(e.at));

describe('settings.executionMinInterval / executionBurst (shell-operator RateLimitWait)', () => {
  it('TV-10 a hook allowed 2 runs per 5 s never runs a third time within 5 s, and still sees every event', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      globalHooks: [
        hook(log, 'limited', {
          kubernetes: [
            {
              name: 'cms',
              apiVersion: 'v1',
              kind: 'ConfigMap',
              labelSelector: { matchLabels: { app: 'x' } },
              queue: 'limited',
            },
          ],
          settings: { executionMinInterval: '5s', executionBurst: 2 },
        }),
      ],
    });
    await t.start();
    for (let i = 0; i < 8; i++) await t.cluster.apply(cm(`c${i}`));
    const early = startedAt('limited');
    // Synchronization and the first event used the burst; the rest wait on the virtual clock.
    expect(early).toHaveLength(2);
    await t.advance(60_000);
    const at = startedAt('limited');
    expect(at.length).toBeGreaterThan(2);
    for (let i = 2; i < at.length; i++) expect(at[i] - at[i - 2]).toBeGreaterThanOrEqual(5000);
    const names = log
      .of('limited')
      .flatMap((c) => c.bindingContexts)
      .map((c) => (c.object as { metadata?: { name?: string } } | undefined)?.metadata?.name)
      .filter(Boolean);
    expect(new Set(names)).toEqual(new Set(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7']));
  });

  it('TV-10 lifecycle runs are limited too: a failing beforeHelm retries no faster than its limit allows', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            hook(
              log,
              'hooks/b',
              { beforeHelm: 1, settings: { executionMinInterval: '20s', executionBurst: 1 } },
              () => {
                throw new Error('boom');
              },
            ),
          ],
        },
      ],
    });
    await t.start();
    await t.advance(60_000);
    const at = startedAt('hooks/b');
    // Backoff alone would retry at 5 s, 11 s, 18 s, …; the limit spaces runs 20 s apart.
    expect(at.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(20_000);
  });
});
