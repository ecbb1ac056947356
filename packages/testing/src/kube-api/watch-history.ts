import type { ClusterChange } from '@converge/cluster-memory';
import { ApiStatusError } from './api-status.js';

/** One remembered write, with its resourceVersion as a number. */
export interface HistoryEntry extends ClusterChange {
  resourceVersion: number;
}

/**
 * The most recent writes to the cluster, so a watch can start from a resourceVersion a list
 * returned. A resourceVersion older than what is kept answers 410 Expired, as etcd compaction does.
 */
export class WatchHistory {
  private entries: HistoryEntry[] = [];
  private oldest = 0;

  constructor(
    private readonly limit: number,
    startVersion: number,
  ) {
    this.oldest = startVersion;
  }

  record(change: ClusterChange): void {
    this.entries.push({ ...change, resourceVersion: Number(change.latest.metadata.resourceVersion) });
    if (this.entries.length > this.limit) {
      const dropped = this.entries.splice(0, this.entries.length - this.limit);
      this.oldest = dropped[dropped.length - 1].resourceVersion;
    }
  }

  /** Writes after `resourceVersion`; throws Expired when some of them are no longer kept. */
  since(resourceVersion: number): HistoryEntry[] {
    if (resourceVersion < this.oldest)
      throw new ApiStatusError(
        'Expired',
        `too old resource version: ${resourceVersion} (${this.oldest + 1})`,
      );
    return this.entries.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Forgets everything up to now (tests of 410 handling). */
  compact(toVersion: number): void {
    this.entries = this.entries.filter((e) => e.resourceVersion > toVersion);
    this.oldest = Math.max(this.oldest, toVersion);
  }
}
