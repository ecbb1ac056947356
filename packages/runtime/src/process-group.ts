/**
 * Ending a child's process group the way a stopping addon-operator does: SIGTERM to the whole
 * group, then SIGKILL once the grace has passed (Go's exec.Cmd Cancel/WaitDelay pair, as
 * shell-operator's pkg/executor uses it). Hooks, `enabled` scripts and helm run detached, so
 * their pid is their process group id.
 */

/** How long a process group gets between SIGTERM and SIGKILL on abort (docs/compatibility.md "Stopping"). */
export const KILL_AFTER_MS = 5_000;

/** Sends `signal` to the group `pgid` (falling back to the process alone); false when nothing is there. */
export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): boolean {
  if (pgid === undefined) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    try {
      process.kill(pgid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** A pending SIGKILL of a terminated group; `cancel()` once the group is known to be gone. */
export interface GroupTermination {
  cancel(): void;
}

/** SIGTERM to the group now, SIGKILL `killAfterMs` later unless cancelled. */
export function terminateGroup(pgid: number | undefined, killAfterMs = KILL_AFTER_MS): GroupTermination {
  if (!signalGroup(pgid, 'SIGTERM')) return { cancel() {} };
  const timer = setTimeout(() => signalGroup(pgid, 'SIGKILL'), killAfterMs);
  return { cancel: () => clearTimeout(timer) };
}
