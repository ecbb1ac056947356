import type { StoreFencedError } from '@converge/protocol';
import {
  isPostgresUrl,
  openPostgresEventStore,
  PostgresFleetRows,
  PostgresLeases,
  redactPostgresUrl,
} from '@converge/store-postgres';
import type { FleetBackend, FleetStream, TargetLease } from './fleet-backend.js';

/**
 * The fleet's shared state on the PostgreSQL store at `url`: heartbeats and readiness in the
 * fleet's own rows (PostgresFleetRows), target leases as the streams' writer leases
 * (PostgresLeases), so the replica holding a target's lease is its stream's only writer and a
 * takeover's new epoch fences the previous one.
 */
export async function openFleetBackend(url: string): Promise<FleetBackend> {
  if (!isPostgresUrl(url))
    throw new Error(
      `converge fleet needs a postgres:// store, got ${JSON.stringify(redactPostgresUrl(url))}`,
    );
  const rows = new PostgresFleetRows(url);
  const leases = new PostgresLeases(url);
  return {
    registerTargets: (targets) => rows.registerTargets(targets),
    heartbeat: (replica, ms) => rows.heartbeat(replica, ms),
    leave: (replica) => rows.leave(replica),
    async view() {
      const v = await rows.view();
      return {
        now: v.now,
        replicas: new Map(v.replicas.map((r) => [r.replica, r.expiresAt])),
        leases: new Map(
          v.leases.map((l): [string, TargetLease] => [
            l.target,
            { owner: l.owner, epoch: l.epoch, expiresAt: l.expiresAt },
          ]),
        ),
      };
    },
    async openStream(target, replica, leaseMs): Promise<FleetStream | undefined> {
      const got = await leases.acquire(target, { owner: replica, durationMs: leaseMs });
      if (!got.acquired) return undefined;
      let lease = got.lease;
      const fencedListeners: (() => void)[] = [];
      let fenced = false;
      let store: ReturnType<typeof openPostgresEventStore>;
      try {
        store = openPostgresEventStore(url, {
          stream: target,
          lease: { owner: replica, epoch: lease.epoch },
          onFenced: (_e: StoreFencedError) => {
            fenced = true;
            for (const l of fencedListeners.splice(0)) l();
          },
        });
      } catch (e) {
        await leases.release(lease).catch(() => undefined);
        throw e;
      }
      return {
        store,
        epoch: lease.epoch,
        async renew() {
          if (fenced) return false;
          const renewed = await leases.renew(lease, leaseMs);
          if (!renewed) return false;
          lease = renewed;
          return true;
        },
        async release() {
          try {
            await store.close();
          } finally {
            await leases.release(lease);
          }
        },
        onFenced(listener) {
          if (fenced) listener();
          else fencedListeners.push(listener);
        },
      };
    },
    setReady: (target, owner, epoch, ready) => rows.setReady(target, owner, epoch, ready),
    status: () => rows.status(),
    async close() {
      await Promise.all([rows.close(), leases.close()]);
    },
  };
}
