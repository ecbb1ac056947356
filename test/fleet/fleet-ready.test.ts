import { createTestEngine } from '@converge/testing';
import { engineReady } from 'converge';
import { expect, it } from 'vitest';

/** What `ready` in `converge fleet status` means for one target's engine. */

it('ready once a converge finished, not while a module fails or a retry waits, ready again once it recovers', async () => {
  let broken = false;
  const t = await createTestEngine({
    modules: [
      {
        name: 'web',
        hooks: [
          {
            name: 'hooks/check.sh',
            config: { configVersion: 'v1', beforeHelm: 1 },
            run: () => {
              if (broken) throw new Error('not yet');
              return undefined;
            },
          },
        ],
      },
    ],
  });
  try {
    expect(engineReady(t.engine)).toBe(false);
    await t.start();
    expect(engineReady(t.engine)).toBe(true);
    broken = true;
    // A config change converges the module again; its hook fails and a retry is scheduled.
    await t.setConfig({ web: { replicas: 2 } });
    expect(t.events.some((e) => e.type === 'HookFailed')).toBe(true);
    expect(engineReady(t.engine)).toBe(false);
    broken = false;
    await t.advance(5_000);
    expect(engineReady(t.engine)).toBe(true);
  } finally {
    await t.stop();
  }
});
