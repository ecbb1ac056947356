import { MemoryEventStore } from '@converge/runtime';
import type { FleetBackend, FleetStatusRow, FleetStream, FleetView, TargetLease } from 'converge';

/**
 * The fleet's shared rows in memory, for replicas in one process: the same lease rules as the
 * Postgres backend (take a free, expired or own lease and raise its epoch; renew and release only
 * at your own epoch). `partition(replica)` makes every later call of that replica hang, as a
 * SIGKILLed or cut-off replica looks to the others: its heartbeat and leases simply expire.
 */
export class MemoryFleetShared {
  readonly replicas = new Map<string, number>();
  readonly leases = new Map<string, TargetLease>();
  readonly ready = new Map<string, { owner: string; epoch: number; ready: boolean }>();
  readonly stores = new Map<string, MemoryEventStore>();
  readonly targets = new Set<string>();
  /** Every lease taken: target, replica, epoch, in order. */
  readonly takes: { target: string; replica: string; epoch: number }[] = [];
  private readonly cut = new Set<string>();
  private readonly watchers = new Set<() => void>();

  /** Tells every `nextChange()` waiter that a row or a run changed. */
  changed(): void {
    for (const w of [...this.watchers]) w();
  }

  /** Resolves at the next change of the shared rows (any backend call) or of a run (`changed()`). */
  nextChange(): Promise<void> {
    return new Promise((resolve) => {
      const w = () => {
        this.watchers.delete(w);
        resolve();
      };
      this.watchers.add(w);
    });
  }

  partition(replica: string): void {
    this.cut.add(replica);
  }

  backendFor(replica: string): FleetBackend {
    const gate = async <T>(f: () => T): Promise<T> => {
      if (this.cut.has(replica)) return new Promise<T>(() => {});
      const result = f();
      this.changed();
      return result;
    };
    return {
      registerTargets: (ts) =>
        gate(() => {
          for (const t of ts) this.targets.add(t);
        }),
      heartbeat: (r, ms) => gate(() => void this.replicas.set(r, Date.now() + ms)),
      leave: (r) => gate(() => void this.replicas.delete(r)),
      view: () =>
        gate(
          (): FleetView => ({
            now: Date.now(),
            replicas: new Map(this.replicas),
            leases: new Map([...this.leases].map(([t, l]) => [t, { ...l }])),
          }),
        ),
      openStream: (target, r, ms) =>
        gate((): FleetStream | undefined => {
          const held = this.leases.get(target);
          if (held && held.owner !== r && held.expiresAt > Date.now()) return undefined;
          const epoch = (held?.epoch ?? 0) + 1;
          this.leases.set(target, { owner: r, epoch, expiresAt: Date.now() + ms });
          this.takes.push({ target, replica: r, epoch });
          const store = this.stores.get(target) ?? new MemoryEventStore();
          this.stores.set(target, store);
          const mine = () => this.leases.get(target)?.epoch === epoch;
          return {
            store,
            epoch,
            onFenced: () => {},
            renew: () =>
              gate(() => {
                if (!mine()) return false;
                this.leases.set(target, { owner: r, epoch, expiresAt: Date.now() + ms });
                return true;
              }),
            release: () =>
              gate(() => {
                if (mine()) this.leases.set(target, { owner: r, epoch, expiresAt: 0 });
              }),
          };
        }),
      setReady: (target, owner, epoch, ready) =>
        gate(() => {
          const now = this.ready.get(target);
          if (!now || now.epoch <= epoch) this.ready.set(target, { owner, epoch, ready });
        }),
      status: () => gate(() => this.status()),
      close: async () => {},
    };
  }

  status(): FleetStatusRow[] {
    return [...this.targets].sort().map((target) => {
      const lease = this.leases.get(target);
      const live = lease && lease.expiresAt > Date.now() ? lease : undefined;
      const r = this.ready.get(target);
      return {
        target,
        owner: live?.owner ?? null,
        epoch: lease?.epoch ?? 0,
        leaseExpiresAt: live ? new Date(live.expiresAt).toISOString() : null,
        lastSeq: this.stores.get(target)?.lastSeq() ?? 0,
        ready: !!(live && r?.ready && r.owner === live.owner && r.epoch === live.epoch),
      };
    });
  }
}
