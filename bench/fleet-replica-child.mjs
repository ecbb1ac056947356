// A fleet replica for the takeover figure of bench/fleet.mjs, killed there with SIGKILL.
// Env: FLEET_URL, FLEET_REPLICA, FLEET_LEASE_MS. Its targets' engines are bench engines (5 modules).
import { FleetReplica, openFleetBackend } from 'converge';
import { benchEngine } from './fleet-engines.mjs';

const targets = Array.from({ length: 10 }, (_, i) => ({
  name: `takeover-${i}`,
  kubeconfig: '-',
  namespace: 'default',
  modulesDir: '-',
}));
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const backend = await openFleetBackend(process.env.FLEET_URL);
const replica = new FleetReplica({
  replica: process.env.FLEET_REPLICA,
  targets,
  backend,
  leaseMs: Number(process.env.FLEET_LEASE_MS),
  stopGraceMs: 0,
  logger: quiet,
  startEngine: async (target, stream) => {
    const engine = benchEngine({ store: stream.store, modules: 5, hookMs: () => 5 });
    await engine.start();
    return {
      target,
      engine,
      ready: () => engine.isIdle() && engine.status().ready,
      stop: (graceMs) => engine.stop({ graceMs }),
    };
  },
});
await replica.start();
// Runs until killed.
setInterval(() => {}, 1 << 30);
