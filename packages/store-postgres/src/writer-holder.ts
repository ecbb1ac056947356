import { hostname } from 'node:os';
import type { StoreHolder } from '@converge/protocol';

/** The holder a writer records in its lease: pid, host, now, and the run id when known. */
export function currentHolder(runId?: string): StoreHolder {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    ...(runId ? { runId } : {}),
  };
}
