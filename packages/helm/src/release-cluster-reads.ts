/**
 * What the CLI executor reads from the cluster directly instead of through a helm process: the
 * objects of a manifest that are missing (addon-operator pkg/helm_resources_manager/), and a release's newest revision from helm's
 * own storage objects, whose labels carry the release labels since Helm 3.13 (and in Helm 4).
 */
import type { ClusterSource, ReleaseInfo } from '@converge/core';
import type { KubeObject, ObjectRef } from '@converge/protocol';
import { clusterScopedCustomKinds, isClusterScoped, releaseObjectRef } from './object-scope.js';

/** Labels helm itself sets on its storage objects; the others are release labels. */
const STORAGE_SYSTEM_LABELS = new Set(['name', 'owner', 'status', 'version', 'createdAt', 'modifiedAt']);

function labelsOf(object: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(object.metadata.labels ?? {})) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * The newest revision among the `owner=helm,name=<release>` Secrets (type helm.sh/release.v1) or
 * ConfigMaps in `namespace`, as ReleaseInfo with the release labels; undefined when there is none.
 * Rejects with the cluster's error.
 */
export async function storedRelease(
  cluster: ClusterSource,
  namespace: string,
  release: string,
  driver: 'secrets' | 'configmaps',
): Promise<ReleaseInfo | undefined> {
  const objects = await cluster.list({
    apiVersion: 'v1',
    kind: driver === 'secrets' ? 'Secret' : 'ConfigMap',
    namespaces: [namespace],
    labelSelector: { matchLabels: { owner: 'helm', name: release } },
  });
  let newest: { revision: number; labels: Record<string, string> } | undefined;
  for (const object of objects) {
    if (object.metadata.namespace !== undefined && object.metadata.namespace !== namespace) continue;
    const type = (object as { type?: unknown }).type;
    if (driver === 'secrets' && type !== undefined && type !== 'helm.sh/release.v1') continue;
    const labels = labelsOf(object);
    if (labels.owner !== 'helm' || labels.name !== release) continue;
    const revision = Number(labels.version);
    if (!Number.isInteger(revision)) continue;
    if (!newest || revision > newest.revision) newest = { revision, labels };
  }
  if (!newest) return undefined;
  return {
    name: release,
    namespace,
    revision: newest.revision,
    status: newest.labels.status ?? 'unknown',
    labels: Object.fromEntries(
      Object.entries(newest.labels).filter(([key]) => !STORAGE_SYSTEM_LABELS.has(key)),
    ),
  };
}

/** Cluster-scoped custom kinds declared by CRDs in `objects` or, when one is unknown, the cluster. */
async function customKinds(cluster: ClusterSource, objects: readonly KubeObject[]): Promise<Set<string>> {
  const kinds = clusterScopedCustomKinds(objects);
  const unknownCustom = objects.some((o) => {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    return group.includes('.') && !group.endsWith('.k8s.io') && !isClusterScoped(o.apiVersion, o.kind, kinds);
  });
  if (!unknownCustom) return kinds;
  const crds = await cluster.list({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
  });
  return clusterScopedCustomKinds([...crds, ...objects]);
}

/**
 * Refs of `objects` the cluster does not have, in manifest order. Namespaced objects without a
 * namespace belong to `namespace`; one list per apiVersion, kind and namespace (addon-operator pkg/helm_resources_manager/).
 */
export async function absentObjects(
  cluster: ClusterSource,
  namespace: string,
  objects: readonly KubeObject[],
): Promise<ObjectRef[]> {
  const named = objects.filter((o) => o.apiVersion && o.kind && o.metadata?.name);
  const kinds = await customKinds(cluster, named);
  const refs = named.map((object) => releaseObjectRef(object, namespace, kinds));
  const present = new Map<string, Promise<Set<string>>>();
  const absent: ObjectRef[] = [];
  for (const ref of refs) {
    const key = `${ref.apiVersion}\0${ref.kind}\0${ref.namespace ?? ''}`;
    let names = present.get(key);
    if (!names) {
      names = cluster
        .list({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          ...(ref.namespace === undefined ? {} : { namespaces: [ref.namespace] }),
        })
        .then(
          (listed) =>
            new Set(
              listed
                .filter((o) => ref.namespace === undefined || o.metadata.namespace === ref.namespace)
                .map((o) => o.metadata.name),
            ),
        );
      present.set(key, names);
    }
    if (!(await names).has(ref.name)) absent.push(ref);
  }
  return absent;
}
