import pg from 'pg';
import { ensureSchema } from './postgres-queries.js';
import { redactPostgresUrl } from './postgres-url.js';

/**
 * What the replicas of a `converge fleet` share beside the streams, in the store's schema:
 *
 * - `fleet_replicas`: one heartbeat row per replica (expiry on the database's clock); a replica
 *   whose row expired has left, and the others rebalance its targets.
 * - `fleet_targets`: one row per target with the readiness its owner last reported, tagged with
 *   the owner and lease epoch it was reported under (a deposed owner's report cannot win).
 *
 * Target leases are the streams' writer leases (`leases`, postgres-schema.ts): the replica that
 * holds a target's lease is its stream's only writer. Status reads them and `streams.last_seq`.
 */

/** A fleet replica's heartbeat. */
export interface FleetReplicaRow {
  replica: string;
  /** ms since the epoch, database clock. */
  expiresAt: number;
}

/** A target's lease as the fleet sees it. */
export interface FleetLeaseRow {
  target: string;
  owner: string;
  epoch: number;
  /** ms since the epoch, database clock. */
  expiresAt: number;
}

/** One target in `converge fleet status --json`. */
export interface FleetTargetStatus {
  target: string;
  /** The replica holding an unexpired lease on the target's stream, else null. */
  owner: string | null;
  /** The stream's lease epoch (0 before any writer took it). */
  epoch: number;
  /** ISO expiry of that unexpired lease, else null. */
  leaseExpiresAt: string | null;
  /** The stream's last seq (0 when empty). */
  lastSeq: number;
  /** The owner reported the target's engine ready under the current lease. */
  ready: boolean;
}

const ident = (schema: string) => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new TypeError(
      `invalid PostgreSQL schema name ${JSON.stringify(schema)} (lower-case letters, digits, _)`,
    );
  return schema;
};

/** DDL of the fleet's own tables, idempotent. */
export function fleetSchemaSql(schema: string): string {
  const s = ident(schema);
  return `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.fleet_replicas (
  replica text PRIMARY KEY,
  expires_at timestamptz NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS ${s}.fleet_targets (
  target text PRIMARY KEY,
  ready boolean NOT NULL DEFAULT false,
  owner text,
  epoch bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);`;
}

/**
 * The fleet's shared rows on a PostgreSQL server: heartbeats, target registration, readiness and
 * the status view. Async, on its own small pool; the tables are created on first use.
 */
export class PostgresFleetRows {
  private readonly pool: pg.Pool;
  private readonly schema: string;
  private readonly create: boolean;
  private ready: Promise<void> | undefined;

  /**
   * `create: false` (a reader such as `converge fleet status`) creates nothing and rejects when
   * the database holds no fleet.
   */
  constructor(
    private readonly url: string,
    options: { schema?: string; maxConnections?: number; create?: boolean } = {},
  ) {
    this.schema = ident(options.schema ?? 'converge');
    this.create = options.create ?? true;
    this.pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 2 });
    this.pool.on('error', () => {});
  }

  /** Adds a row for each target not yet known (status lists every registered target). */
  registerTargets(targets: readonly string[]): Promise<void> {
    return this.run(async (s) => {
      await this.pool.query(
        `INSERT INTO ${s}.fleet_targets (target) SELECT unnest($1::text[]) ON CONFLICT (target) DO NOTHING`,
        [[...targets]],
      );
    });
  }

  /** Extends `replica`'s heartbeat to `ms` from now (database clock). */
  heartbeat(replica: string, ms: number): Promise<void> {
    return this.run(async (s) => {
      await this.pool.query(
        `INSERT INTO ${s}.fleet_replicas (replica, expires_at)
           VALUES ($1, clock_timestamp() + $2 * interval '1 millisecond')
         ON CONFLICT (replica) DO UPDATE SET expires_at = EXCLUDED.expires_at`,
        [replica, Math.max(1, Math.round(ms))],
      );
    });
  }

  /** Removes `replica`'s heartbeat. */
  leave(replica: string): Promise<void> {
    return this.run(async (s) => {
      await this.pool.query(`DELETE FROM ${s}.fleet_replicas WHERE replica = $1`, [replica]);
    });
  }

  /** The database's clock, the heartbeats (expired ones included) and the registered targets' leases. */
  view(): Promise<{ now: number; replicas: FleetReplicaRow[]; leases: FleetLeaseRow[] }> {
    return this.run(async (s) => {
      const client = await this.pool.connect();
      try {
        // One snapshot for the three reads.
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const now = await client.query<{ now: Date }>('SELECT clock_timestamp() AS now');
        const replicas = await client.query<{ replica: string; expires_at: Date }>(
          `SELECT replica, expires_at FROM ${s}.fleet_replicas`,
        );
        const leases = await client.query<{ stream: string; owner: string; epoch: string; expires_at: Date }>(
          `SELECT l.stream, l.owner, l.epoch, l.expires_at FROM ${s}.leases l
             JOIN ${s}.fleet_targets t ON t.target = l.stream`,
        );
        await client.query('COMMIT');
        return {
          now: (now.rows[0]?.now ?? new Date()).getTime(),
          replicas: replicas.rows.map((r) => ({ replica: r.replica, expiresAt: r.expires_at.getTime() })),
          leases: leases.rows.map((l) => ({
            target: l.stream,
            owner: l.owner,
            epoch: Number(l.epoch),
            expiresAt: l.expires_at.getTime(),
          })),
        };
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    });
  }

  /**
   * Records `target`'s readiness as reported by `owner` under lease `epoch`; a report under an
   * older epoch than the stored one is ignored.
   */
  setReady(target: string, owner: string, epoch: number, ready: boolean): Promise<void> {
    return this.run(async (s) => {
      await this.pool.query(
        `INSERT INTO ${s}.fleet_targets AS t (target, ready, owner, epoch, updated_at)
           VALUES ($1, $2, $3, $4, clock_timestamp())
         ON CONFLICT (target) DO UPDATE SET ready = EXCLUDED.ready, owner = EXCLUDED.owner,
           epoch = EXCLUDED.epoch, updated_at = EXCLUDED.updated_at
         WHERE t.epoch <= EXCLUDED.epoch`,
        [target, ready, owner, epoch],
      );
    });
  }

  /**
   * One row per registered target, by name: its live lease (owner, expiry), epoch, the stream's
   * last seq, and `ready` when the live owner reported it under the current epoch.
   */
  status(): Promise<FleetTargetStatus[]> {
    return this.run(async (s) => {
      const { rows } = await this.pool.query<{
        target: string;
        owner: string | null;
        epoch: string | null;
        expires_at: Date | null;
        live: boolean | null;
        last_seq: string | null;
        ready: boolean;
        ready_owner: string | null;
        ready_epoch: string;
      }>(
        `SELECT t.target, l.owner, l.epoch, l.expires_at, l.expires_at > clock_timestamp() AS live,
                st.last_seq, t.ready, t.owner AS ready_owner, t.epoch AS ready_epoch
           FROM ${s}.fleet_targets t
           LEFT JOIN ${s}.leases l ON l.stream = t.target
           LEFT JOIN ${s}.streams st ON st.stream = t.target
          ORDER BY t.target COLLATE "C"`,
      );
      return rows.map((r) => {
        const live = r.live === true && r.owner !== null;
        return {
          target: r.target,
          owner: live ? r.owner : null,
          epoch: Number(r.epoch ?? 0),
          leaseExpiresAt: live && r.expires_at ? r.expires_at.toISOString() : null,
          lastSeq: Number(r.last_seq ?? 0),
          ready: live && r.ready && r.ready_owner === r.owner && r.ready_epoch === r.epoch,
        };
      });
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private async run<T>(fn: (schema: string) => Promise<T>): Promise<T> {
    this.ready ??= (async () => {
      const client = await this.pool.connect();
      try {
        if (!this.create) {
          const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
            `${this.schema}.fleet_targets`,
          ]);
          if (rows[0]?.t == null)
            throw new Error(
              `${redactPostgresUrl(this.url)}: no converge fleet in this database (schema ${this.schema})`,
            );
          return;
        }
        // The store's own tables first (leases, streams), then the fleet's.
        await ensureSchema(client, this.schema, redactPostgresUrl(this.url));
        // Serialized with other replicas creating the same tables (CREATE … IF NOT EXISTS races).
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.schema}.fleet`]);
        await client.query(fleetSchemaSql(this.schema));
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    })().catch((e) => {
      this.ready = undefined;
      throw e;
    });
    await this.ready;
    return fn(this.schema);
  }
}
