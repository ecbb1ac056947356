import type { EventStore } from '@converge/core';

/** A target's writer lease as the store holds it. */
export interface TargetLease {
  owner: string;
  epoch: number;
  /** Milliseconds since the epoch, on the store's clock. */
  expiresAt: number;
}

/** What every replica reads on each round: the store's clock, live replicas and target leases. */
export interface FleetView {
  /** The store's clock now (ms since the epoch): leases are compared with it, never with a replica's. */
  now: number;
  /** Replica heartbeats: ID → expiry (ms). */
  replicas: ReadonlyMap<string, number>;
  /** Target (stream) → its writer lease, expired or not. */
  leases: ReadonlyMap<string, TargetLease>;
}

/** A target's stream opened by this replica as its fenced writer. */
export interface FleetStream {
  readonly store: EventStore;
  readonly epoch: number;
  /** Extends the lease by its duration; false when another writer has taken the stream. */
  renew(): Promise<boolean>;
  /** Flushes, closes the store and gives the lease up at once, so the next owner need not wait. */
  release(): Promise<void>;
  /** Calls `listener` once when a write finds the stream taken over (the store refuses it). */
  onFenced(listener: () => void): void;
}

/** One row of `converge fleet status`. */
export interface FleetStatusRow {
  target: string;
  /** The replica holding the target's lease, or null when nobody holds an unexpired lease. */
  owner: string | null;
  epoch: number;
  leaseExpiresAt: string | null;
  lastSeq: number;
  ready: boolean;
}

/**
 * Where a fleet keeps what its replicas share: replica heartbeats, each target's writer lease (the
 * fence of its stream: whoever holds it is the only writer), and each target's readiness.
 */
export interface FleetBackend {
  /** Records the fleet's targets so `fleet status` lists them. */
  registerTargets(targets: readonly string[]): Promise<void>;
  /** Extends `replica`'s heartbeat by `leaseMs`. */
  heartbeat(replica: string, leaseMs: number): Promise<void>;
  /** Removes `replica`'s heartbeat (a clean leave, so the others rebalance at once). */
  leave(replica: string): Promise<void>;
  view(): Promise<FleetView>;
  /**
   * Opens `target`'s stream as its writer for `replica`, taking the lease when it is free, expired
   * or already this replica's (the epoch goes up, fencing any earlier writer). Undefined when
   * another replica holds an unexpired lease.
   */
  openStream(target: string, replica: string, leaseMs: number): Promise<FleetStream | undefined>;
  /** Records whether `target`'s engine is ready, as seen by the owner at `epoch`. */
  setReady(target: string, owner: string, epoch: number, ready: boolean): Promise<void>;
  /** One row per registered target, sorted by name. */
  status(): Promise<FleetStatusRow[]>;
  close(): Promise<void>;
}
