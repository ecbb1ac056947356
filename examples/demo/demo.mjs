// A demo converge on the embedded default: an in-memory cluster, in-memory Helm releases that
// render real charts, in-code hooks, and a virtual clock. Prints the log as it happens.
import { createTestEngine } from '@converge/testing';

const chart = (name) => ({
  'Chart.yaml': `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`,
  'templates/configmap.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}-settings\ndata:\n  owner: converge\n`,
});

let cleanupAttempts = 0;
const t = await createTestEngine({
  globalHooks: [{ name: '000-discovery.sh', config: { configVersion: 'v1', beforeAll: 1 } }],
  modules: [
    {
      name: 'cert-manager',
      order: 10,
      chart: chart('cert-manager'),
      hooks: [
        {
          name: 'hooks/issuer.sh',
          config: { configVersion: 'v1', beforeHelm: 10 },
          run: () => ({ valuesPatch: [{ op: 'add', path: '/certManager/issuer', value: 'letsencrypt' }] }),
        },
      ],
    },
    {
      name: 'ingress',
      order: 20,
      chart: chart('ingress'),
      hooks: [
        {
          name: 'hooks/drain-finalizers.sh',
          config: {
            configVersion: 'v1',
            beforeDeleteHelm: 1,
            kubernetes: [
              {
                name: 'settings',
                apiVersion: 'v1',
                kind: 'ConfigMap',
                nameSelector: { matchNames: ['ingress-settings'] },
                executeHookOnEvent: [],
                executeHookOnSynchronization: false,
              },
            ],
          },
          run: () => {
            cleanupAttempts++;
            if (cleanupAttempts === 1) throw new Error('finalizers still present');
            return undefined;
          },
        },
      ],
    },
  ],
});

const describe = (e) => {
  const who = [e.module, e.hook, e.binding].filter(Boolean).join(' ');
  const extra = [
    e.delayMs !== undefined ? ` (retry in ${e.delayMs} ms)` : '',
    e.error ? ` — ${e.error}` : '',
    e.reason && e.type !== 'RetryScheduled' ? ` (${e.reason})` : '',
  ].join('');
  return `${String(e.seq).padStart(3)} ${e.at.slice(11, 19)} ${e.type.padEnd(24)} ${who}${extra}`;
};
t.engine.events$.subscribe((e) => console.log(describe(e)));

await t.start();
console.log('\nDisabling ingress: its beforeDeleteHelm hook fails once, then the delete retries.\n');
await t.setConfig({ ingressEnabled: false });
await t.advance(10_000);
console.log('\nReleases:', JSON.stringify(t.releases()));
console.log(
  'Module states:',
  Object.fromEntries(Object.entries(t.state.modules).map(([m, s]) => [m, s.value])),
);
await t.stop();
