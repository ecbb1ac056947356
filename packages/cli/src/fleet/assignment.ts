/**
 * Which replica of a fleet converges which target. Pure: every replica computes the same answer
 * from the same view of the lease rows, so they agree without talking to each other.
 */

/**
 * A fleet's default target lease: 30 s, close to addon-operator's leader-election Lease (35 s,
 * renewed within 30 s; see ADDON_OPERATOR_LEASE in @converge/kube).
 */
export const DEFAULT_FLEET_LEASE_MS = 30_000;

/** A fleet renews its leases every third of their duration, so two renewals can fail before one expires. */
export function renewIntervalOf(leaseMs: number): number {
  return Math.max(1, Math.floor(leaseMs / 3));
}

export interface AssignmentInput {
  /** Every target name of the fleet. */
  targets: readonly string[];
  /** The replicas whose heartbeat has not expired. */
  replicas: readonly string[];
  /** Each target's current holder, when its lease has not expired. */
  owners: ReadonlyMap<string, string>;
}

/**
 * Spreads the targets evenly over the live replicas: with n targets and r replicas, the first
 * n mod r replicas (sorted by ID) take ⌈n/r⌉ and the others ⌊n/r⌋. A target stays with its live
 * owner while that owner is within its share (so a join or leave moves as few targets as it can);
 * the rest go, in name order, to the replicas with room, in ID order. No live replica: no owner.
 */
export function assignTargets(input: AssignmentInput): Map<string, string> {
  const replicas = [...new Set(input.replicas)].sort();
  const targets = [...new Set(input.targets)].sort();
  const out = new Map<string, string>();
  if (replicas.length === 0) return out;
  const base = Math.floor(targets.length / replicas.length);
  const extra = targets.length % replicas.length;
  const room = new Map(replicas.map((r, i) => [r, base + (i < extra ? 1 : 0)]));
  const unplaced: string[] = [];
  for (const t of targets) {
    const owner = input.owners.get(t);
    const left = owner === undefined ? 0 : (room.get(owner) ?? 0);
    if (owner !== undefined && left > 0) {
      out.set(t, owner);
      room.set(owner, left - 1);
    } else unplaced.push(t);
  }
  for (const t of unplaced) {
    const r = replicas.find((x) => (room.get(x) ?? 0) > 0);
    // Unreachable: the shares add up to the number of targets.
    if (r === undefined) break;
    out.set(t, r);
    room.set(r, (room.get(r) ?? 0) - 1);
  }
  return out;
}

/** What one replica should do now: start the targets it should own, stop the ones it should not. */
export interface ReplicaPlan {
  /** Targets assigned to this replica that it does not run yet (acquire the lease, start). */
  acquire: string[];
  /** Targets this replica runs that are assigned elsewhere (stop, release the lease). */
  release: string[];
}

/** The difference between `running` and the targets `assignment` gives `replica`. */
export function planFor(
  replica: string,
  assignment: ReadonlyMap<string, string>,
  running: ReadonlySet<string>,
): ReplicaPlan {
  const mine = [...assignment].filter(([, r]) => r === replica).map(([t]) => t);
  return {
    acquire: mine.filter((t) => !running.has(t)),
    release: [...running].filter((t) => assignment.get(t) !== replica).sort(),
  };
}
