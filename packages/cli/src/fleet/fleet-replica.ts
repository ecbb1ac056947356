import type { Logger } from '@converge/core';
import { assignTargets, planFor, renewIntervalOf } from './assignment.js';
import type { FleetBackend, FleetStream } from './fleet-backend.js';
import type { TargetEngine } from './target-engine.js';
import type { FleetTarget } from './targets-file.js';

export interface FleetReplicaOptions {
  replica: string;
  targets: readonly FleetTarget[];
  backend: FleetBackend;
  /** Lease duration of the replica's heartbeat and of its target leases (ms). */
  leaseMs: number;
  /** Starts a target's engine on its opened stream (it restores from what the stream holds). */
  startEngine(target: FleetTarget, stream: FleetStream): Promise<TargetEngine>;
  /** How long a released target's running tasks may go on (ms). */
  stopGraceMs: number;
  logger: Logger;
}

interface Owned {
  stream: FleetStream;
  engine?: TargetEngine;
  starting?: Promise<void>;
  ready: boolean;
  stopping?: Promise<void>;
  /** The lease was taken over: nothing to renew or release any more. */
  lost?: boolean;
}

/**
 * One replica of a fleet. Each round (every third of the lease, and as soon as a lease it wants
 * expires) it renews its heartbeat and its leases, computes the shared assignment from the
 * store's rows, starts the targets it should own (taking their streams' leases: a takeover is a
 * restart from the stream) and stops the ones it should give up (releasing their leases). A
 * target whose lease was taken over is stopped at once: its writer is fenced.
 */
export class FleetReplica {
  private readonly owned = new Map<string, Owned>();
  private readonly byName: Map<string, FleetTarget>;
  /** Targets whose start failed, not retried before this time (ms on this replica's clock). */
  private readonly backoff = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: FleetReplicaOptions) {
    this.byName = new Map(o.targets.map((t) => [t.name, t]));
  }

  /** Registers the targets and announces this replica; rounds then run on their own timer. */
  async start(): Promise<void> {
    await this.o.backend.registerTargets([...this.byName.keys()]);
    // Announce first and take targets from the next round on: replicas started together then
    // see each other before taking anything, instead of one taking all and handing half over.
    await this.o.backend.heartbeat(this.o.replica, this.o.leaseMs);
    this.schedule(renewIntervalOf(this.o.leaseMs));
  }

  /** The targets this replica runs now, with their engines once started. */
  running(): Map<string, TargetEngine | undefined> {
    return new Map([...this.owned].map(([t, o]) => [t, o.engine]));
  }

  /** Stops every engine (with the stop grace), releases their leases and leaves the fleet. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round.catch(() => undefined);
    // Leases stay renewed while running tasks get their grace, so nobody takes a target mid-stop.
    const renewing = setInterval(() => void this.renewAll(), renewIntervalOf(this.o.leaseMs));
    try {
      await Promise.all([...this.owned.keys()].map((t) => this.giveUp(t, this.o.stopGraceMs, true)));
    } finally {
      clearInterval(renewing);
    }
    await this.o.backend.leave(this.o.replica).catch(() => undefined);
  }

  private runRound(): Promise<void> {
    this.round = this.round.then(
      () => this.roundOnce(),
      () => this.roundOnce(),
    );
    return this.round;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.runRound().catch((e) =>
          this.o.logger.warn({ error: e instanceof Error ? e.message : String(e) }, 'fleet round failed'),
        );
      },
      Math.max(10, ms),
    );
  }

  private async roundOnce(): Promise<void> {
    if (this.stopped) return;
    const { backend, replica, leaseMs, logger } = this.o;
    const every = renewIntervalOf(leaseMs);
    const began = Date.now();
    try {
      await backend.heartbeat(replica, leaseMs);
      logger.debug({ ms: Date.now() - began }, 'fleet: heartbeat');
      await this.renewAll();
      const view = await backend.view();
      const owners = new Map<string, string>();
      for (const [t, l] of view.leases) if (l.expiresAt > view.now) owners.set(t, l.owner);
      const live = [...view.replicas].filter(([, exp]) => exp > view.now).map(([r]) => r);
      if (!live.includes(replica)) live.push(replica);
      const assignment = assignTargets({ targets: [...this.byName.keys()], replicas: live, owners });
      const plan = planFor(replica, assignment, new Set(this.owned.keys()));
      for (const target of plan.release) {
        if (this.owned.get(target)?.stopping) continue;
        logger.info({ target, to: assignment.get(target) }, 'fleet: handing the target over (rebalance)');
        // Not awaited: the running task gets the stop grace while rounds go on renewing every
        // lease held, this one's included until its engine has stopped and released it.
        void this.giveUp(target, this.o.stopGraceMs, true);
      }
      let wake = every;
      const now = Date.now();
      for (const target of plan.acquire) {
        const holder = owners.get(target);
        if (holder !== undefined && holder !== replica) {
          // Held by a replica that will hand it over, or whose lease is about to expire.
          const lease = view.leases.get(target);
          if (lease) wake = Math.min(wake, lease.expiresAt - view.now + 20);
          continue;
        }
        if ((this.backoff.get(target) ?? 0) > now) continue;
        await this.acquire(target);
        // Opening a stream blocks this thread for a while (its store is synchronous): renew
        // what is held, the stream just opened included, before its lease can run out.
        await this.renewAll();
      }
      // Wake when a dead replica's heartbeat expires: its targets move then.
      for (const [r, exp] of view.replicas)
        if (r !== replica && exp > view.now) wake = Math.min(wake, exp - view.now + 20);
      for (const [target, o] of this.owned) if (o.engine) this.publishReady(target, o);
      logger.debug({ ms: Date.now() - began, wake, plan }, 'fleet: round');
      this.schedule(wake);
    } catch (e) {
      logger.warn({ error: e instanceof Error ? e.message : String(e) }, 'fleet: round failed; retrying');
      this.schedule(every);
    }
  }

  /**
   * Renews every held lease, those of engines being handed over included; a lease lost here was
   * taken over, and its engine stops at once.
   */
  private async renewAll(): Promise<void> {
    for (const [target, o] of [...this.owned]) {
      if (o.lost) continue;
      const kept = await o.stream.renew().catch(() => true);
      if (!kept) {
        o.lost = true;
        this.o.logger.warn(
          { target, epoch: o.stream.epoch },
          'fleet: lost the target lease (taken over); stopping its engine',
        );
        void this.giveUp(target, 0, false);
      }
    }
  }

  private async acquire(name: string): Promise<void> {
    const target = this.byName.get(name);
    if (!target) return;
    const { backend, replica, leaseMs, logger } = this.o;
    const stream = await backend.openStream(name, replica, leaseMs);
    if (!stream) return;
    logger.info({ target: name, epoch: stream.epoch }, 'fleet: took the target lease; starting its engine');
    const owned: Owned = { stream, ready: false };
    this.owned.set(name, owned);
    stream.onFenced(() => {
      owned.lost = true;
      logger.warn(
        { target: name, epoch: stream.epoch },
        'fleet: the target stream was taken over (fenced); stopping its engine',
      );
      void this.giveUp(name, 0, false);
    });
    owned.starting = this.o.startEngine(target, stream).then(
      (engine) => {
        owned.engine = engine;
        owned.starting = undefined;
        if (owned.stopping || this.stopped) return;
        const publish = () => this.publishReady(name, owned);
        // Both streams complete when the engine stops.
        engine.engine.events$.subscribe(publish);
        engine.engine.activity$.subscribe(publish);
        publish();
      },
      (e) => {
        owned.starting = undefined;
        logger.error(
          { target: name, error: e instanceof Error ? e.message : String(e) },
          'fleet: the target engine did not start; giving the lease up and retrying later',
        );
        this.backoff.set(name, Date.now() + leaseMs);
        // Not awaited: giveUp waits for this start to settle.
        void this.giveUp(name, 0, true);
      },
    );
  }

  private publishReady(target: string, o: Owned): void {
    const ready = o.engine?.ready() ?? false;
    if (ready === o.ready || o.stopping) return;
    o.ready = ready;
    this.o.backend
      .setReady(target, this.o.replica, o.stream.epoch, ready)
      .then(() =>
        this.o.logger.info(
          { target, epoch: o.stream.epoch, ready },
          ready ? 'fleet: target ready' : 'fleet: target not ready',
        ),
      )
      .catch((e) =>
        this.o.logger.warn(
          { target, error: e instanceof Error ? e.message : String(e) },
          'fleet: could not record readiness',
        ),
      );
  }

  /**
   * Stops `target`'s engine and gives its lease up (a conditional release: a fenced writer's lease
   * belongs to the new owner and stays as it is). `clearReady` marks the target not ready first.
   */
  private giveUp(target: string, graceMs: number, clearReady: boolean): Promise<void> {
    const o = this.owned.get(target);
    if (!o) return Promise.resolve();
    o.stopping ??= (async () => {
      try {
        await o.starting;
        await o.engine?.stop(graceMs);
        if (clearReady) await this.o.backend.setReady(target, this.o.replica, o.stream.epoch, false);
      } catch (e) {
        this.o.logger.warn(
          { target, error: e instanceof Error ? e.message : String(e) },
          'fleet: stop failed',
        );
      } finally {
        await o.stream.release().catch(() => undefined);
        this.owned.delete(target);
      }
    })();
    return o.stopping;
  }
}
