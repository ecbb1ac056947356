import type { EventStore } from '@converge/core';
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
 * `store` with its writes reporting a refused write to `onWriteError` before rethrowing it, so a
 * fenced writer is noticed on the write that finds out, whoever made it (the engine, mostly).
 */
function fenceAware(store: EventStore, onWriteError: (e: unknown) => void): EventStore {
  const guard =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      try {
        return f(...a);
      } catch (e) {
        onWriteError(e);
        throw e;
      }
    };
  const records = store.records;
  return {
    append: guard((events) => store.append(events)),
    read: (from) => store.read(from),
    lastSeq: () => store.lastSeq(),
    subscribe: (listener) => store.subscribe(listener),
    saveSnapshot: guard((snapshot) => store.saveSnapshot(snapshot)),
    loadSnapshot: () => store.loadSnapshot(),
    flush: () => store.flush(),
    close: () => store.close(),
    ...(records
      ? {
          records: {
            get: (key: string) => records.get(key),
            put: guard((key: string, value: unknown) => records.put(key, value)),
            delete: guard((key: string) => records.delete(key)),
            keys: (prefix?: string) => records.keys(prefix),
          },
        }
      : {}),
  };
}

/**
 * The fleet's shared state on the PostgreSQL store at `url`: heartbeats and readiness in the
 * fleet's own rows (PostgresFleetRows), target leases as the streams' writer leases
 * (PostgresLeases), so the replica holding a target's lease is its stream's only writer and a
 * takeover's new epoch fences the previous one. `readOnly` (fleet status) creates nothing.
 */
export async function openFleetBackend(
  url: string,
  options: { readOnly?: boolean } = {},
): Promise<FleetBackend> {
  if (!isPostgresUrl(url))
    throw new Error(
      `converge fleet needs a postgres:// store, got ${JSON.stringify(redactPostgresUrl(url))}`,
    );
  const rows = new PostgresFleetRows(url, { create: options.readOnly !== true });
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
      const onWriteError = (e: unknown) => {
        if ((e as { code?: string }).code === 'STORE_FENCED' && !fenced) {
          fenced = true;
          for (const l of fencedListeners.splice(0)) l();
        }
      };
      return {
        store: fenceAware(store, onWriteError),
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
