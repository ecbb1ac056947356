import { createTestEngine } from '@converge/testing';
import { expect, it } from 'vitest';

it('a failing beforeDeleteHelm hook keeps the release until it succeeds', async () => {
  // snippet:start usage
  let attempts = 0;
  const t = await createTestEngine({
    modules: [
      {
        name: 'ingress',
        chart: {
          'templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-settings\n',
        },
        hooks: [
          {
            name: 'hooks/cleanup.sh',
            config: { configVersion: 'v1', beforeDeleteHelm: 1 },
            run: () => {
              // Same inputs as a shell hook's files; return patches, or throw to fail the run.
              if (++attempts === 1) throw new Error('finalizers still present');
              return undefined;
            },
          },
        ],
      },
    ],
  });
  await t.start(); // startup and the first converge, then settle
  await t.setConfig({ ingressEnabled: false }); // beforeDeleteHelm fails: nothing is uninstalled
  expect(t.releases().map((r) => r.name)).toEqual(['ingress']);
  await t.advance(5_000); // virtual time: the delete is retried after 5 s and succeeds
  expect(t.releases()).toEqual([]);
  await t.stop();
  // snippet:end usage
  expect(attempts).toBe(2);
});
