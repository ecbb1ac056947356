import type { StoreRecords } from '@converge/core';

/** Record key prefix of the embedded releases; the rest of the key is the release name. */
export const RELEASE_PREFIX = 'helm/releases/';

/** One release as a store record: what `helm get` would show of its current revision. */
export interface ReleaseRecord {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  checksum?: string;
  labels: Record<string, string>;
  manifest: string;
}

/**
 * The in-memory release store's releases as store records (README.md "Run the demo": releases
 * persist beside the log): one record per release, written when that release changes.
 */
export class ReleaseRecords {
  constructor(private readonly records: StoreRecords) {}

  /** Every stored release, sorted by name. */
  restore(): ReleaseRecord[] {
    const found: ReleaseRecord[] = [];
    for (const key of this.records.keys(RELEASE_PREFIX)) {
      const record = this.records.get(key) as ReleaseRecord | undefined;
      if (record && typeof record.name === 'string') found.push(record);
    }
    return found;
  }

  save(record: ReleaseRecord): void {
    const { name, namespace, revision, status, checksum, labels, manifest } = record;
    this.records.put(RELEASE_PREFIX + name, {
      name,
      namespace,
      revision,
      status,
      ...(checksum !== undefined ? { checksum } : {}),
      labels,
      manifest,
    });
  }

  delete(name: string): void {
    this.records.delete(RELEASE_PREFIX + name);
  }
}
