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

/** Called right after spawning a process group leader; the returned function once it has exited. */
export type TrackProcessGroup = (child: { pid: number; command: readonly string[] }) => () => void;

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

export interface ProcessGroupRegistryOptions {
  /** Time the SIGTERM'd remains of a group get before SIGKILL (default 5 s, as engine.stop). */
  killGraceMs?: number;
}

export class ProcessGroupRegistry {
  private records: StoreRecords | undefined;
  /** Groups running now, so that attaching to a store later still records them. */
  private readonly live = new Map<number, ProcessGroupRecord>();
  private readonly owner = { pid: process.pid, startTime: processStartTime(process.pid), host: hostname() };

  constructor(private readonly options: ProcessGroupRegistryOptions = {}) {}

  /** Records from now on go to `records` (the engine's store); running groups are written at once. */
  attach(records: StoreRecords | undefined): void {
    this.records = records;
    for (const record of this.live.values()) records?.put(key(record.pgid), record);
  }

  /** The spawn callback: records the group of `child` until it has exited and its group is empty. */
  readonly track: TrackProcessGroup = (child) => {
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
  };

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
