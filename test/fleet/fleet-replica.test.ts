import type { Engine } from '@converge/runtime';
import { silentLogger } from '@converge/runtime';
import { FleetReplica, type FleetTarget, type TargetEngine } from 'converge';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryFleetShared } from './memory-fleet-backend.js';

/**
 * FleetReplica over the in-memory fleet rows, with stand-in engines: how replicas share targets,
 * rebalance on join and leave, and take over a replica that stops renewing.
 */

const LEASE_MS = 600;
const targets: FleetTarget[] = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'].map((name) => ({
  name,
  kubeconfig: `/k/${name}`,
  namespace: 'default',
  modulesDir: '/m',
}));

let replicas: FleetReplica[] = [];
afterEach(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  replicas = [];
});

interface Run {
  replica: string;
  target: string;
  epoch: number;
  stopped: boolean;
}

function fleet() {
  const shared = new MemoryFleetShared();
  const runs: Run[] = [];
  const start = (replica: string) => {
    const r = new FleetReplica({
      replica,
      targets,
      backend: shared.backendFor(replica),
      leaseMs: LEASE_MS,
      stopGraceMs: 0,
      logger: silentLogger,
      startEngine: async (target, stream) => {
        const run: Run = { replica, target: target.name, epoch: stream.epoch, stopped: false };
        runs.push(run);
        shared.changed();
        const quiet = { subscribe: () => ({ unsubscribe: () => {} }) };
        const engine = { events$: quiet, activity$: quiet } as unknown as Engine;
        const handle: TargetEngine = {
          target,
          engine,
          ready: () => !run.stopped,
          stop: async () => {
            run.stopped = true;
            shared.changed();
          },
        };
        return handle;
      },
    });
    replicas.push(r);
    return r;
  };
  /** Targets each replica runs now (started, not stopped). */
  const live = () => {
    const out: Record<string, string[]> = {};
    for (const r of runs.filter((x) => !x.stopped)) out[r.replica] = [...(out[r.replica] ?? []), r.target];
    for (const k of Object.keys(out)) out[k]?.sort();
    return out;
  };
  return { shared, runs, start, live };
}

/**
 * Waits until an observable condition (the shared rows, the runs) holds, re-checking it at every
 * change of the shared rows or of a run; a lease that only expires is seen by the replica's next
 * backend call, which is a change too.
 */
async function until(what: string, check: () => boolean, shared: MemoryFleetShared, ms = 10_000) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    while (!check()) await Promise.race([shared.nextChange(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const everyTargetReadyOnce = (f: ReturnType<typeof fleet>) => () => {
  const rows = f.shared.status();
  return rows.length === targets.length && rows.every((r) => r.ready);
};

describe('converge fleet replicas', () => {
  it('spread the targets evenly, one running engine per target, each ready in fleet status', async () => {
    const f = fleet();
    await Promise.all([f.start('r-a').start(), f.start('r-b').start()]);
    await until('every target ready', everyTargetReadyOnce(f), f.shared);
    const counts = Object.values(f.live()).map((t) => t.length);
    expect(counts.sort()).toEqual([2, 3]);
    expect(Object.values(f.live()).flat().sort()).toEqual(targets.map((t) => t.name).sort());
    for (const row of f.shared.status()) expect(row.owner).toMatch(/^r-[ab]$/);
  });

  it('rebalance when a replica joins: it takes its share, handed over (not stolen) at a higher epoch', async () => {
    const f = fleet();
    await f.start('r-a').start();
    await until('r-a runs all five', () => f.live()['r-a']?.length === 5, f.shared);
    await f.start('r-b').start();
    await until(
      'two and three',
      () => f.live()['r-b']?.length === 2 && f.live()['r-a']?.length === 3,
      f.shared,
    );
    await until('every target ready', everyTargetReadyOnce(f), f.shared);
    for (const t of f.live()['r-b'] ?? []) {
      const takes = f.shared.takes.filter((x) => x.target === t);
      expect(takes.map((x) => x.replica)).toEqual(['r-a', 'r-b']);
      expect(takes[1]?.epoch).toBe(2);
      // r-a had stopped its engine before r-b started one.
      expect(f.runs.filter((r) => r.target === t && r.replica === 'r-a').every((r) => r.stopped)).toBe(true);
    }
  });

  it('a replica that leaves cleanly hands its targets over at once', async () => {
    const f = fleet();
    const a = f.start('r-a');
    const b = f.start('r-b');
    await Promise.all([a.start(), b.start()]);
    await until('both run targets', () => Object.keys(f.live()).length === 2, f.shared);
    await b.stop();
    await until('r-a runs all five', () => f.live()['r-a']?.length === 5, f.shared);
    expect(f.live()['r-b']).toBeUndefined();
  });

  it('takes over the targets of a replica that stops renewing, after its leases expire, never before', async () => {
    const f = fleet();
    const b = f.start('r-b');
    await Promise.all([f.start('r-a').start(), b.start()]);
    await until('every target ready', everyTargetReadyOnce(f), f.shared);
    const lost = [...(f.live()['r-b'] ?? [])];
    const cutAt = Date.now();
    // r-b's heartbeat and lease renewals never reach the store again (as after a SIGKILL).
    f.shared.partition('r-b');
    replicas = replicas.filter((r) => r !== b);
    const lastExpiry = Math.max(...lost.map((t) => f.shared.leases.get(t)?.expiresAt ?? 0));
    await until(
      'r-a owns every target',
      () => f.shared.status().every((r) => r.owner === 'r-a' && r.ready),
      f.shared,
    );
    const takeovers = f.runs.filter((r) => r.replica === 'r-a' && lost.includes(r.target));
    expect(takeovers.map((r) => r.target).sort()).toEqual(lost.sort());
    // Each lease was taken only once expired, at the next epoch.
    for (const t of lost) {
      const take = f.shared.takes.filter((x) => x.target === t).at(-1);
      expect(take).toMatchObject({ replica: 'r-a', epoch: 2 });
    }
    expect(Date.now()).toBeGreaterThanOrEqual(lastExpiry);
    // Within the lease duration and a round (a third of it) from the cut.
    expect(Date.now() - cutAt).toBeLessThan(LEASE_MS * 2 + 1_000);
  });
});
