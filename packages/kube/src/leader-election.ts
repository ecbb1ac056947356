import type { Logger } from '@converge/core';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeApiError, messageOf } from './errors.js';
import { KubeTransport } from './transport.js';

/** addon-operator's HA settings (cmd/addon-operator: lease name, 35 s lease, 30 s renew deadline, 10 s retry). */
export const ADDON_OPERATOR_LEASE = {
  name: 'addon-operator-leader-election',
  leaseDurationSeconds: 35,
  renewDeadlineMs: 30_000,
  retryPeriodMs: 10_000,
} as const;

export interface LeaderElectorOptions {
  namespace: string;
  /** Lease name; default `addon-operator-leader-election`. */
  name?: string;
  /** This replica's identity (addon-operator: the pod name). */
  identity: string;
  leaseDurationSeconds?: number;
  /** A leader that cannot renew for this long stops leading. */
  renewDeadlineMs?: number;
  /** How often to try to acquire or renew. */
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  /** Called once when leadership is lost (not after `stop()`); the elector then stops. */
  onStoppedLeading?: () => void;
  /** Called whenever a different holder is observed (or none: ''). */
  onNewLeader?: (identity: string) => void;
  logger?: Logger;
  /** Wall clock in ms (default Date.now). */
  now?: () => number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection (which
 * addon-operator's HA mode uses) does it: acquire a Lease that is absent, expired or ours; renew it
 * every retry period with optimistic concurrency (a conflict means another replica won the round);
 * stop leading when renewals fail past the renew deadline; `stop()` releases the Lease so a standby
 * takes over at once.
 */
export class LeaderElector {
  private readonly transport: KubeTransport;
  private readonly name: string;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private leading = false;
  private lastRenew = 0;
  private observedHolder: string | undefined;
  private leadershipWaiters: (() => void)[] = [];
  /** The round in flight, which `stop()` waits for so its release is the last write. */
  private round: Promise<boolean> | undefined;

  constructor(
    config: KubeConfig,
    private readonly options: LeaderElectorOptions,
  ) {
    this.transport = new KubeTransport(config);
    this.name = options.name ?? ADDON_OPERATOR_LEASE.name;
    this.now = options.now ?? Date.now;
  }

  /** Whether this replica holds the Lease now. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed ('' for none, undefined before the first look). */
  get holder(): string | undefined {
    return this.observedHolder;
  }

  /** Starts trying to acquire the Lease; resolves once this replica leads. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      void this.tick();
    }
    return this.leading ? Promise.resolve() : new Promise((resolve) => this.leadershipWaiters.push(resolve));
  }

  /** Stops trying and, when leading, releases the Lease (holder cleared, 1 s duration). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    // A round in flight may just have taken or renewed the Lease: release after it.
    const lastRound = await this.round?.catch(() => false);
    const holding = this.leading || lastRound === true;
    this.leading = false;
    if (!holding) return;
    try {
      const lease = await this.get();
      if (lease?.spec.holderIdentity === this.options.identity) {
        const at = this.microTime();
        await this.put({
          ...lease,
          spec: {
            ...lease.spec,
            holderIdentity: '',
            leaseDurationSeconds: 1,
            acquireTime: at,
            renewTime: at,
          },
        });
      }
    } catch (error) {
      this.options.logger?.warn({ lease: this.where }, `releasing the lease failed: ${messageOf(error)}`);
    }
  }

  private get where(): string {
    return `${this.options.namespace}/${this.name}`;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.options.namespace)}/leases`;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    let held = false;
    try {
      this.round = this.tryAcquireOrRenew();
      held = await this.round;
    } catch (error) {
      this.options.logger?.warn({ lease: this.where }, `leader election: ${messageOf(error)}`);
    }
    if (!this.running) return;
    if (held) {
      this.lastRenew = this.now();
      if (!this.leading) {
        this.leading = true;
        this.options.logger?.info(
          { lease: this.where, identity: this.options.identity },
          'became the leader',
        );
        this.options.onStartedLeading?.();
        for (const resolve of this.leadershipWaiters.splice(0)) resolve();
      }
    } else if (this.leading) {
      const deadline = this.options.renewDeadlineMs ?? ADDON_OPERATOR_LEASE.renewDeadlineMs;
      if (this.now() - this.lastRenew >= deadline) {
        this.leading = false;
        this.running = false;
        this.options.logger?.error(
          { lease: this.where },
          'lost the lease: could not renew it before the deadline',
        );
        this.options.onStoppedLeading?.();
        return;
      }
    }
    this.timer = setTimeout(
      () => void this.tick(),
      this.options.retryPeriodMs ?? ADDON_OPERATOR_LEASE.retryPeriodMs,
    );
  }

  /** One round: true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const me = this.options.identity;
    const duration = this.options.leaseDurationSeconds ?? ADDON_OPERATOR_LEASE.leaseDurationSeconds;
    const at = this.microTime();
    const lease = await this.get();
    if (!lease) {
      const created: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.name, namespace: this.options.namespace },
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: duration,
          acquireTime: at,
          renewTime: at,
          leaseTransitions: 0,
        },
      };
      this.observe(me);
      return this.write(() => this.transport.json({ method: 'POST', path: this.path, body: created }));
    }
    const holder = lease.spec.holderIdentity ?? '';
    this.observe(holder);
    const renewed = Date.parse(lease.spec.renewTime ?? '') || 0;
    const expires = renewed + (lease.spec.leaseDurationSeconds ?? duration) * 1000;
    if (holder && holder !== me && expires > this.now()) return false;
    const transitions = (lease.spec.leaseTransitions ?? 0) + (holder === me ? 0 : 1);
    const ok = await this.write(() =>
      this.put({
        ...lease,
        spec: {
          holderIdentity: me,
          leaseDurationSeconds: duration,
          acquireTime: holder === me ? (lease.spec.acquireTime ?? at) : at,
          renewTime: at,
          leaseTransitions: transitions,
        },
      }),
    );
    if (ok) this.observe(me);
    return ok;
  }

  /** A write that another replica may win: 409 means false. */
  private async write(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && (error.status === 409 || error.reason === 'AlreadyExists'))
        return false;
      throw error;
    }
  }

  private observe(holder: string): void {
    if (holder === this.observedHolder) return;
    this.observedHolder = holder;
    this.options.onNewLeader?.(holder);
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.transport.json<Lease>({
        method: 'GET',
        path: `${this.path}/${encodeURIComponent(this.name)}`,
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  private put(lease: Lease): Promise<unknown> {
    return this.transport.json({
      method: 'PUT',
      path: `${this.path}/${encodeURIComponent(this.name)}`,
      body: lease,
    });
  }

  /** Kubernetes MicroTime: RFC 3339 with microseconds. */
  private microTime(): string {
    return new Date(this.now()).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  }
}
