// A small operator built on createEngine: modules and hooks defined in code, the embedded
// in-memory cluster and Helm releases, a durable sqlite log, and a clean stop on SIGINT/SIGTERM.
// Run it with `node operator.mjs` (Ctrl-C to stop) or `node operator.mjs --once`.
import './node-version.mjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import { InMemoryReleaseStore } from '@converge/helm';
import { createEngine, createLogger } from '@converge/runtime';
import { openSqliteEventStore } from '@converge/store-sqlite';
import { CodeHookRunner, CodeModuleSource, MemoryConfigSource } from '@converge/testing';

const once = process.argv.includes('--once');
const dir = mkdtempSync(join(tmpdir(), 'converge-operator-'));

// snippet:start embedding
const store = openSqliteEventStore(join(dir, 'events.sqlite'));
// The cluster and releases persist in the store beside the log: a restart on it continues.
const cluster = new InMemoryCluster({ records: store.records });
const engine = createEngine({
  modules: new CodeModuleSource([{ name: 'greeter', order: 10 }]),
  hooks: new CodeHookRunner(
    [],
    new Map([
      [
        'greeter',
        [
          {
            name: 'hooks/greet',
            config: { configVersion: 'v1', beforeHelm: 1 },
            run: ({ values }) => ({
              valuesPatch: [
                {
                  op: 'add',
                  path: '/greeter/message',
                  value: `hello from ${values.global.cluster ?? 'nowhere'}`,
                },
              ],
            }),
          },
        ],
      ],
    ]),
  ),
  releases: new InMemoryReleaseStore({
    cluster,
    namespace: 'default',
    charts: () => undefined,
    records: store.records,
  }),
  cluster,
  config: new MemoryConfigSource({ global: { cluster: 'demo' } }),
  store,
  logger: createLogger({ level: 'warn' }),
});
engine.events$.subscribe((e) => console.log(`${e.seq} ${e.type}${e.module ? ` ${e.module}` : ''}`));
await engine.start();
// snippet:end embedding

const stop = async () => {
  await engine.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
if (once) {
  engine.idle$.subscribe(async (idle) => {
    if (idle && engine.state.startup.value === 'ready') {
      console.log('converged:', JSON.stringify(engine.core.values.moduleValues('greeter')));
      await stop();
    }
  });
}
