import { hostname, constants as osConstants } from 'node:os';
import { resolve } from 'node:path';
import { createLogger } from '@converge/runtime';
import { parseDuration } from '../duration.js';
import { DEFAULT_FLEET_LEASE_MS } from '../fleet/assignment.js';
import { FleetReplica } from '../fleet/fleet-replica.js';
import { type FleetServer, serveFleet } from '../fleet/fleet-server.js';
import { formatFleetStatus } from '../fleet/fleet-status.js';
import { openFleetBackend } from '../fleet/postgres-fleet-backend.js';
import { startTargetEngine } from '../fleet/target-engine.js';
import { readTargetsFile, TargetsFileError } from '../fleet/targets-file.js';

export interface FleetOptions {
  targets: string;
  store: string;
  /** This replica's ID (default `ADDON_OPERATOR_POD`, else host-pid). */
  replica?: string;
  /** Lease duration (default 30s); leases are renewed every third of it. */
  leaseDuration?: string;
  hookTimeout?: string;
  stopGrace?: string;
  /** `--listen ADDR:PORT`: serve the replica's targets over HTTP (fleet-server.ts); nothing without it. */
  listen?: string;
}

/** Exit status and a one-line reason. */
export interface FleetOutcome {
  code: number;
  message: string;
}

/**
 * `converge fleet --targets FILE --store postgres://…`: one engine per target this replica owns,
 * until SIGTERM (143) or SIGINT (130), which stop every engine with the `--stop-grace`, give their
 * leases up and leave the fleet, so the other replicas take the targets over at once.
 */
export async function fleetCommand(
  o: FleetOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<FleetOutcome> {
  let leaseMs: number;
  let stopGraceMs: number;
  let hookTimeoutMs: number | undefined;
  try {
    leaseMs = o.leaseDuration ? parseDuration(o.leaseDuration) : DEFAULT_FLEET_LEASE_MS;
    stopGraceMs = parseDuration(o.stopGrace ?? '30s');
    hookTimeoutMs = o.hookTimeout === undefined ? undefined : parseDuration(o.hookTimeout);
  } catch (e) {
    return { code: 2, message: (e as Error).message };
  }
  if (leaseMs < 300)
    return { code: 2, message: `--lease-duration must be at least 300ms, got ${o.leaseDuration}` };
  let targets: ReturnType<typeof readTargetsFile>;
  try {
    targets = readTargetsFile(resolve(o.targets));
  } catch (e) {
    if (e instanceof TargetsFileError) return { code: 2, message: e.message };
    throw e;
  }
  const replica = o.replica ?? process.env.ADDON_OPERATOR_POD ?? `${hostname()}-${process.pid}`;
  const logger = createLogger({ destination: out }).child({ replica });
  let backend: Awaited<ReturnType<typeof openFleetBackend>>;
  try {
    backend = await openFleetBackend(o.store);
  } catch (e) {
    return { code: 1, message: e instanceof Error ? e.message : String(e) };
  }
  const fleet = new FleetReplica({
    replica,
    targets,
    backend,
    leaseMs,
    stopGraceMs,
    logger,
    startEngine: (target, stream) =>
      startTargetEngine(target, {
        store: stream.store,
        logger: logger.child({ target: target.name }),
        runId: `${replica}-epoch-${stream.epoch}`,
        ...(hookTimeoutMs !== undefined ? { hookTimeoutMs } : {}),
      }),
  });
  let server: FleetServer | undefined;
  let signalled: NodeJS.Signals | undefined;
  let wake: (() => void) | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled ??= signal;
    wake?.();
  };
  // A write an engine makes after its target was taken over throws StoreFencedError wherever it
  // happens to be; the replica is already stopping that engine (FleetStream.onFenced), and the
  // other engines go on. Anything else that escapes still ends the process, as it would unhandled.
  const onEscaped = (e: unknown) => {
    if ((e as { code?: string } | undefined)?.code === 'STORE_FENCED') {
      logger.warn({ error: (e as Error).message }, 'fleet: a write of a deposed engine was refused');
      return;
    }
    process.stderr.write(`converge: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onEscaped);
  process.on('unhandledRejection', onEscaped);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    logger.info({ targets: targets.length, leaseMs }, 'fleet: joining');
    if (o.listen !== undefined) {
      server = await serveFleet(o.listen, () => fleet.running());
      logger.info({ url: server.url }, 'fleet: serving');
    }
    await fleet.start();
    if (!signalled) await new Promise<void>((r) => (wake = r));
    logger.info({ signal: signalled, stopGraceMs }, 'fleet: stopping; handing the targets over');
    await fleet.stop();
    await server?.close();
    return {
      code: 128 + (osConstants.signals[signalled ?? 'SIGTERM'] ?? 15),
      message: `${signalled}: left the fleet`,
    };
  } catch (e) {
    await fleet.stop().catch(() => undefined);
    await server?.close();
    return { code: 1, message: e instanceof Error ? e.message : String(e) };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('uncaughtException', onEscaped);
    process.off('unhandledRejection', onEscaped);
    await backend.close();
    logger.debug({ active: process.getActiveResourcesInfo() }, 'fleet: left');
  }
}

/** `converge fleet status --store URL [--json]`: one row (or object) per target. */
export async function fleetStatusCommand(
  o: { store: string; json: boolean },
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const backend = await openFleetBackend(o.store, { readOnly: true });
  try {
    const rows = await backend.status();
    out.write(o.json ? `${JSON.stringify(rows)}\n` : formatFleetStatus(rows));
    return 0;
  } finally {
    await backend.close();
  }
}
