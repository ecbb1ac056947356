import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeaderElector, type LeaderElectorOptions, loadKubeConfig } from '@converge/kube';
import type { KubeObject } from '@converge/protocol';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** Lease leader election (addon-operator's HA mode) against the test API server, with short periods. */

let server: KubeApiServer | undefined;
const electors: LeaderElector[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const e of electors.splice(0)) await e.stop();
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const LEASE = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  namespace: 'default',
  name: 'addon-operator-leader-election',
};
/** A promise and the function that resolves it (for waiting on an elector's callbacks). */
function signal<T = void>() {
  let fire!: (value: T) => void;
  const fired = new Promise<T>((r) => {
    fire = r;
  });
  return { fire, fired };
}

async function setup() {
  server = await startKubeApiServer();
  dir = mkdtempSync(join(tmpdir(), 'converge-lease-'));
  const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
  return (identity: string, extra: Partial<LeaderElectorOptions> = {}) => {
    const elector = new LeaderElector(loadKubeConfig({ kubeconfig }), {
      namespace: 'default',
      identity,
      leaseDurationSeconds: 1,
      renewDeadlineMs: 400,
      retryPeriodMs: 50,
      ...extra,
    });
    electors.push(elector);
    return elector;
  };
}

const spec = () =>
  (server!.cluster.get(LEASE) as (KubeObject & { spec: Record<string, unknown> }) | undefined)?.spec;

describe('LeaderElector', () => {
  it('exactly one of two replicas leads; the other sees who', async () => {
    const elector = await setup();
    // Long leases: however slow this machine is, the leader cannot lose the lease during the test.
    const slow = { leaseDurationSeconds: 30, renewDeadlineMs: 20_000 };
    const seen = signal<string>();
    const onNewLeader = (standbyOf: string) => (id: string) => {
      if (id !== '' && id !== standbyOf) seen.fire(id);
    };
    const a = elector('replica-a', { ...slow, onNewLeader: onNewLeader('replica-a') });
    const b = elector('replica-b', { ...slow, onNewLeader: onNewLeader('replica-b') });
    void a.start();
    void b.start();
    await Promise.race([a.start(), b.start()]);
    // The standby has looked at the lease and seen the other replica hold it (an event, not a time).
    const holder = await seen.fired;
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = a.isLeader ? [a, b] : [b, a];
    expect(holder).toBe(leader === a ? 'replica-a' : 'replica-b');
    expect(spec()?.holderIdentity).toBe(holder);
    expect(standby.holder).toBe(holder);
    expect(standby.isLeader).toBe(false);
    expect(spec()?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('a leader that stops releases the lease and the standby takes over at once', async () => {
    const elector = await setup();
    // a's lease lasts 60 s: b can only take it before the test's timeout because a released it.
    const a = elector('replica-a', { leaseDurationSeconds: 60, renewDeadlineMs: 30_000 });
    await a.start();
    const sawA = signal();
    const b = elector('replica-b', {
      leaseDurationSeconds: 30,
      onNewLeader: (id) => {
        if (id === 'replica-a') sawA.fire();
      },
    });
    const bLeads = b.start();
    await sawA.fired;
    expect(b.isLeader).toBe(false);
    await a.stop();
    await bLeads;
    expect(b.isLeader).toBe(true);
    expect(spec()).toMatchObject({ holderIdentity: 'replica-b', leaseTransitions: 1 });
  });

  it('a lease whose holder stopped renewing is taken over after it expires', async () => {
    const elector = await setup();
    const renewTime = new Date().toISOString().replace('Z', '000Z');
    server!.cluster.put({
      ...LEASE,
      metadata: { name: LEASE.name, namespace: 'default' },
      spec: {
        holderIdentity: 'crashed-replica',
        leaseDurationSeconds: 1,
        renewTime,
        acquireTime: renewTime,
        leaseTransitions: 3,
      },
    } as KubeObject);
    const seen: string[] = [];
    const started = Date.now();
    const c = elector('replica-c', { onNewLeader: (id) => seen.push(id) });
    await c.start();
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(seen).toEqual(['crashed-replica', 'replica-c']);
    expect(spec()).toMatchObject({ holderIdentity: 'replica-c', leaseTransitions: 4 });
  });

  it('a leader that cannot renew past the deadline stops leading and says so once', async () => {
    const elector = await setup();
    let stopped = 0;
    const lost = signal();
    const a = elector('replica-a', {
      onStoppedLeading: () => {
        stopped++;
        lost.fire();
      },
    });
    await a.start();
    // Someone else takes the lease for a long time (as after a network partition).
    const now = new Date().toISOString().replace('Z', '000Z');
    const lease = server!.cluster.get(LEASE) as KubeObject & { spec: Record<string, unknown> };
    server!.cluster.put({
      ...lease,
      spec: { ...lease.spec, holderIdentity: 'intruder', leaseDurationSeconds: 60, renewTime: now },
    });
    await lost.fired;
    // A replica that lost the lease takes no more rounds (it exits, as addon-operator does), so once is all.
    expect(a.isLeader).toBe(false);
    expect(stopped).toBe(1);
    expect(a.holder).toBe('intruder');
  });

  it('stop() during a round that takes the lease still releases it', async () => {
    const elector = await setup();
    const a = elector('replica-a');
    void a.start(); // the first round is in flight
    await a.stop();
    expect(a.isLeader).toBe(false);
    expect(spec()?.holderIdentity).toBe('');
  });
});
