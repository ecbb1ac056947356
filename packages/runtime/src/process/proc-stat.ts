import { readdirSync, readFileSync } from 'node:fs';

/**
 * What Linux's `/proc/<pid>/stat` (proc(5)) says about a process: its process group, its start
 * time (clock ticks after boot, so that a reused pid is not mistaken for the process it replaced),
 * and its state (`Z` for a zombie, which is gone for every purpose here).
 */
export interface ProcStat {
  pid: number;
  pgrp: number;
  startTime: number;
  state: string;
}

/** The stat of process `pid`, or undefined when it does not exist or there is no /proc. */
export function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is parenthesised and may hold spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field n is rest[n - 3]: pgrp is field 5, starttime field 22.
  const pgrp = Number(rest[2]);
  const startTime = Number(rest[19]);
  if (!Number.isFinite(pgrp) || !Number.isFinite(startTime)) return undefined;
  return { pid, pgrp, startTime, state: rest[0] ?? '' };
}

/** The start time of process `pid`, or undefined when it is gone or there is no /proc. */
export function processStartTime(pid: number): number | undefined {
  return readProcStat(pid)?.startTime;
}

/**
 * Whether process `pid` is alive and, when `startTime` is given, is the process that started
 * then (not a later one that reuses the pid). Without /proc only the pid is checked.
 */
export function isProcessAlive(pid: number, startTime?: number): boolean {
  const stat = readProcStat(pid);
  if (stat) return stat.state !== 'Z' && (startTime === undefined || stat.startTime === startTime);
  if (hasProcFs()) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live (not zombie) processes whose process group is `pgid`; empty without /proc. */
export function processGroupMembers(pgid: number): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProcStat(Number(entry));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') out.push(stat);
  }
  return out;
}

let procFs: boolean | undefined;

/** Whether this system has Linux's /proc (the stat of this very process can be read). */
export function hasProcFs(): boolean {
  procFs ??= readProcStatSelf() !== undefined;
  return procFs;
}

function readProcStatSelf(): ProcStat | undefined {
  return readProcStat(process.pid);
}
