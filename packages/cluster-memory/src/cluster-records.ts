import type { StoreRecords } from '@converge/core';
import type { KubeObject } from '@converge/protocol';

/** Record key prefix of the embedded cluster's objects; the rest of the key is the object's identity key. */
export const CLUSTER_OBJECT_PREFIX = 'cluster/objects/';
/** Record key of the embedded cluster's counters and learned cluster-scoped kinds. */
export const CLUSTER_META_KEY = 'cluster/meta';

/** What the embedded cluster keeps beside its objects so that a restart continues its counters. */
export interface ClusterMeta {
  /** The newest resourceVersion handed out (deletes advance it without leaving an object). */
  resourceVersion: number;
  /** The counter of the default uid generator. */
  uidCounter: number;
  /** Kinds learned as cluster-scoped after construction (`addClusterScopedKind`). */
  clusterScopedKinds: string[];
}

/** What a restart finds in the records: the counters and every stored object. */
export interface RestoredCluster {
  meta: ClusterMeta;
  objects: KubeObject[];
}

/**
 * The embedded cluster's objects as store records (README.md "Run the demo": the cluster
 * persists beside the log). One record per object, written when that object changes, and one
 * small meta record written when a counter that no object carries changes (a new uid, a delete,
 * a learned kind), before the object record, so a crash in between never reuses a uid or a
 * resourceVersion.
 */
export class ClusterRecords {
  constructor(private readonly records: StoreRecords) {}

  /** Reads the counters and every object; resourceVersion is at least the newest object's. */
  restore(): RestoredCluster {
    const stored = this.records.get(CLUSTER_META_KEY) as Partial<ClusterMeta> | undefined;
    const objects: KubeObject[] = [];
    let resourceVersion = Number(stored?.resourceVersion ?? 0) || 0;
    for (const key of this.records.keys(CLUSTER_OBJECT_PREFIX)) {
      const object = this.records.get(key) as KubeObject | undefined;
      if (!object?.metadata) continue;
      objects.push(object);
      resourceVersion = Math.max(resourceVersion, Number(object.metadata.resourceVersion) || 0);
    }
    return {
      meta: {
        resourceVersion,
        uidCounter: Number(stored?.uidCounter ?? 0) || 0,
        clusterScopedKinds: [...(stored?.clusterScopedKinds ?? [])],
      },
      objects,
    };
  }

  saveMeta(meta: ClusterMeta): void {
    this.records.put(CLUSTER_META_KEY, meta);
  }

  saveObject(key: string, object: KubeObject): void {
    this.records.put(CLUSTER_OBJECT_PREFIX + key, object);
  }

  deleteObject(key: string): void {
    this.records.delete(CLUSTER_OBJECT_PREFIX + key);
  }
}
