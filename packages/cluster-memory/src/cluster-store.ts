import type { ClusterSource, ObjectApplier } from '@converge/core';
import type { KubeObject, ObjectRef } from '@converge/protocol';

/**
 * A cluster that holds its objects itself: both ports (list/watch and the object-patch applier)
 * plus direct access. The in-memory cluster implements it, and the in-memory release store of
 * `@converge/helm` applies rendered charts to it.
 */
export interface ClusterStore extends ClusterSource, ObjectApplier {
  get(ref: ObjectRef): KubeObject | undefined;
  /** Create or replace; assigns uid and resourceVersion; namespace defaults to "default". */
  put(object: KubeObject): KubeObject;
  remove(ref: ObjectRef): boolean;
  /** Resolves when every watcher has been handed every change made so far. */
  quiesce(): Promise<void>;
}
