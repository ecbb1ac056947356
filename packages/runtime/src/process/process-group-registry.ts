import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger, StoreRecords } from '@converge/core';
import {
  hasProcFs,
  isProcessAlive,
  processGroupMembers,
  processStartTime,
  readProcStat,
} from './proc-stat.js';

/**
 * The process groups this process spawned (hooks, enabled scripts, helm), recorded in the event
 * store's records so that a run after a crash (SIGKILL, OOM) can end what the crashed run left
 * running before it starts hooks of its own. The spawn code sees only `track`.
 */

/**
 * Called right after spawning a process group leader; the returned function once it has exited.
 * `env`, when present, is added to the spawned process's environment: it marks the process as this
 * store's, so a group the crashed run could not record (killed between spawn and record) is found too.
 */
export interface TrackProcessGroup {
  (child: { pid: number; command: readonly string[] }): () => void;
  readonly env?: Readonly<Record<string, string>>;
}

/** The environment variable that marks a spawned process with its store and its converge process. */
export const PROCESS_OWNER_ENV = 'CONVERGE_PROCESS_OWNER';

/** One recorded group: its leader (pid = pgid) with its start time, the command, and who spawned it. */
export interface ProcessGroupRecord {
  pgid: number;
  /** Clock ticks after boot (/proc/<pid>/stat field 22); absent without /proc. */
  startTime?: number;
  command: string[];
  /** The converge process that spawned it; `host` because a shared store may be written from several. */
  owner: { pid: number; startTime?: number; host?: string };
}

/** A group a crashed run left, as `reapStale` found and ended it. */
export interface ReapedGroup {
  pgid: number;
  command: string[];
  /** The pids that were still alive. */
  pids: number[];
  /** The last signal it took: SIGTERM sufficed, or SIGKILL was needed. */
  signal: 'SIGTERM' | 'SIGKILL';
}

const PREFIX = 'process-group/';
/** The store's own id, in its records, that the owner marks of its processes carry. */
const STORE_ID = 'process-owner/store-id';

export interface ProcessGroupRegistryOptions {
  /** Time the SIGTERM'd remains of a group get before SIGKILL (default 5 s, as engine.stop). */
  killGraceMs?: number;
}

export class ProcessGroupRegistry {
  private records: StoreRecords | undefined;
  /** Groups running now, so that attaching to a store later still records them. */
  private readonly live = new Map<number, ProcessGroupRecord>();
  /** This store's id (in its records), carried by the owner mark of every process spawned. */
  private storeId: string | undefined;
  private readonly owner = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };

  constructor(private readonly options: ProcessGroupRegistryOptions = {}) {}

  /** Records from now on go to `records` (the engine's store); running groups are written at once. */
  attach(records: StoreRecords | undefined): void {
    this.records = records;
    if (records) {
      const id = records.get(STORE_ID);
      this.storeId = typeof id === 'string' ? id : randomUUID();
      if (id !== this.storeId) records.put(STORE_ID, this.storeId);
    }
    for (const record of this.live.values()) records?.put(key(record.pgid), record);
  }

  /** The spawn callback: records the group of `child` until it has exited and its group is empty. */
  readonly track: TrackProcessGroup = Object.defineProperty(
    (child: { pid: number; command: readonly string[] }) => this.record(child),
    'env',
    { get: () => (this.storeId ? { [PROCESS_OWNER_ENV]: this.ownerMark(this.storeId) } : undefined) },
  ) as TrackProcessGroup;

  private ownerMark(storeId: string): string {
    return `${storeId}:${this.owner.pid}:${this.owner.startTime ?? ''}:${this.owner.host}`;
  }

  private record(child: { pid: number; command: readonly string[] }): () => void {
    const record: ProcessGroupRecord = {
      pgid: child.pid,
      command: [...child.command],
      owner: this.owner,
    };
    const startTime = processStartTime(child.pid);
    if (startTime !== undefined) record.startTime = startTime;
    this.live.set(child.pid, record);
    this.records?.put(key(child.pid), record);
    return () => {
      this.live.delete(child.pid);
      if (!this.records) return;
      // Something the process started may still be in its group: keep the record for the next start.
      if (groupAlive(record)) return;
      this.records.delete(key(child.pid));
    };
  }

  /**
   * Ends what is still alive of the groups recorded by processes that are gone: SIGTERM to the
   * group, then SIGKILL to what remains after the grace; each reaped group is logged at warn and its
   * record deleted. Groups of live processes (this one included) and of other hosts are left alone.
   */
  async reapStale(logger?: Logger): Promise<ReapedGroup[]> {
    const records = this.records;
    if (!records) return [];
    const stale: { key: string; record: ProcessGroupRecord; pids: number[] }[] = [];
    for (const k of records.keys(PREFIX)) {
      const record = records.get(k) as ProcessGroupRecord | undefined;
      if (!record || typeof record.pgid !== 'number' || !record.owner) {
        records.delete(k);
        continue;
      }
      if (record.owner.host !== undefined && record.owner.host !== this.owner.host) continue;
      if (isProcessAlive(record.owner.pid, record.owner.startTime)) continue;
      const pids = groupPids(record);
      if (pids.length > 0) stale.push({ key: k, record, pids });
      else records.delete(k);
    }
    for (const record of this.unrecordedGroups(new Set(stale.map((s) => s.record.pgid))))
      stale.push({ key: key(record.pgid), record, pids: groupPids(record) });
    // All groups at once: SIGTERM now, SIGKILL to whatever is left when the grace has passed.
    for (const { record } of stale) signalGroup(record.pgid, 'SIGTERM');
    const termed = await allGone(
      stale.map((s) => s.record),
      this.options.killGraceMs ?? 5_000,
    );
    const killed = stale.filter((s) => !termed.has(s.record.pgid));
    for (const { record } of killed) signalGroup(record.pgid, 'SIGKILL');
    await allGone(
      killed.map((s) => s.record),
      5_000,
    );
    const reaped: ReapedGroup[] = [];
    for (const { key: k, record, pids } of stale) {
      const signal = termed.has(record.pgid) ? 'SIGTERM' : 'SIGKILL';
      reaped.push({ pgid: record.pgid, command: record.command, pids, signal });
      logger?.warn(
        { pgid: record.pgid, pids, command: record.command, signal },
        `killed process group ${record.pgid} (${record.command.join(' ')}) left running by a converge process that is gone`,
      );
      records.delete(k);
    }
    return reaped;
  }

  /**
   * Groups whose processes carry this store's owner mark from a converge process that is gone but
   * are not in the records (the run died between spawning and recording them): found through
   * /proc/<pid>/environ, this host only. Empty without /proc.
   */
  private unrecordedGroups(known: ReadonlySet<number>): ProcessGroupRecord[] {
    if (!this.storeId || !hasProcFs()) return [];
    const prefix = `${PROCESS_OWNER_ENV}=${this.storeId}:`;
    const found = new Map<number, ProcessGroupRecord>();
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      let environ: string;
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      } catch {
        continue;
      }
      const mark = environ.split('\0').find((v) => v.startsWith(prefix));
      if (!mark) continue;
      const [ownerPid, ownerStart, host] = mark.slice(prefix.length).split(':');
      if (host !== this.owner.host) continue;
      const start = ownerStart ? Number(ownerStart) : undefined;
      if (isProcessAlive(Number(ownerPid), start)) continue;
      const stat = readProcStat(pid);
      if (!stat || stat.state === 'Z' || known.has(stat.pgrp) || found.has(stat.pgrp)) continue;
      const leader = readProcStat(stat.pgrp);
      found.set(stat.pgrp, {
        pgid: stat.pgrp,
        ...(leader ? { startTime: leader.startTime } : {}),
        command: [`(unrecorded process group of pid ${pid})`],
        owner: { pid: Number(ownerPid), ...(start !== undefined ? { startTime: start } : {}), host },
      });
    }
    return [...found.values()];
  }
}

const key = (pgid: number) => `${PREFIX}${pgid}`;

/**
 * The live pids of the recorded group. A pgid cannot be handed out again while its group has a
 * member, so members found under it are the recorded group's, unless its leader pid now names
 * another (later) process. Without /proc nothing can be told apart: nothing is reported.
 */
function groupPids(record: ProcessGroupRecord): number[] {
  if (!hasProcFs()) return [];
  const leader = readProcStat(record.pgid);
  if (leader && record.startTime !== undefined && leader.startTime !== record.startTime) return [];
  return processGroupMembers(record.pgid)
    .filter((m) => record.startTime === undefined || m.startTime >= record.startTime)
    .map((m) => m.pid);
}

function groupAlive(record: ProcessGroupRecord): boolean {
  try {
    // Signal 0 checks without a /proc scan; ESRCH: no process (not even a zombie) is in the group.
    process.kill(-record.pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return !hasProcFs() || groupPids(record).length > 0;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/** The pgids of `groups` that have no live member within `withinMs` (polled every 25 ms). */
async function allGone(groups: readonly ProcessGroupRecord[], withinMs: number): Promise<Set<number>> {
  const done = new Set<number>();
  const deadline = Date.now() + withinMs;
  for (;;) {
    for (const g of groups) if (!done.has(g.pgid) && groupPids(g).length === 0) done.add(g.pgid);
    if (done.size === groups.length || Date.now() >= deadline) return done;
    await new Promise((r) => setTimeout(r, 25));
  }
}
