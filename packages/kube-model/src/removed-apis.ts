import { ConvergeError, type KubeObject } from '@converge/protocol';

/**
 * API versions Kubernetes no longer serves, by `apiVersion|Kind` (or `apiVersion|*` for every kind
 * of a removed group version), with the release that removed them and the replacement
 * (kubernetes.io/docs/reference/using-api/deprecation-guide). A real API server and the test API
 * server answer "no matches for kind"; the embedded cluster refuses them too, saying what to use.
 */
const REMOVED: Record<string, { removedIn: string; use?: string }> = {
  'extensions/v1beta1|DaemonSet': { removedIn: '1.16', use: 'apps/v1' },
  'extensions/v1beta1|Deployment': { removedIn: '1.16', use: 'apps/v1' },
  'extensions/v1beta1|ReplicaSet': { removedIn: '1.16', use: 'apps/v1' },
  'extensions/v1beta1|NetworkPolicy': { removedIn: '1.16', use: 'networking.k8s.io/v1' },
  'extensions/v1beta1|PodSecurityPolicy': {
    removedIn: '1.16',
    use: 'policy/v1beta1 (itself removed in 1.25)',
  },
  'extensions/v1beta1|Ingress': { removedIn: '1.22', use: 'networking.k8s.io/v1' },
  'extensions/v1beta1|*': { removedIn: '1.22' },
  'apps/v1beta1|*': { removedIn: '1.16', use: 'apps/v1' },
  'apps/v1beta2|*': { removedIn: '1.16', use: 'apps/v1' },
  'networking.k8s.io/v1beta1|Ingress': { removedIn: '1.22', use: 'networking.k8s.io/v1' },
  'networking.k8s.io/v1beta1|IngressClass': { removedIn: '1.22', use: 'networking.k8s.io/v1' },
  'apiextensions.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'apiextensions.k8s.io/v1' },
  'apiregistration.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'apiregistration.k8s.io/v1' },
  'admissionregistration.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'admissionregistration.k8s.io/v1' },
  'authentication.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'authentication.k8s.io/v1' },
  'authorization.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'authorization.k8s.io/v1' },
  'certificates.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'certificates.k8s.io/v1' },
  'coordination.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'coordination.k8s.io/v1' },
  'rbac.authorization.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'rbac.authorization.k8s.io/v1' },
  'scheduling.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'scheduling.k8s.io/v1' },
  'storage.k8s.io/v1beta1|CSIStorageCapacity': { removedIn: '1.27', use: 'storage.k8s.io/v1' },
  'storage.k8s.io/v1beta1|*': { removedIn: '1.22', use: 'storage.k8s.io/v1' },
  'batch/v1beta1|*': { removedIn: '1.25', use: 'batch/v1' },
  'discovery.k8s.io/v1beta1|*': { removedIn: '1.25', use: 'discovery.k8s.io/v1' },
  'events.k8s.io/v1beta1|*': { removedIn: '1.25', use: 'events.k8s.io/v1' },
  'autoscaling/v2beta1|*': { removedIn: '1.25', use: 'autoscaling/v2' },
  'autoscaling/v2beta2|*': { removedIn: '1.26', use: 'autoscaling/v2' },
  'policy/v1beta1|PodDisruptionBudget': { removedIn: '1.25', use: 'policy/v1' },
  'policy/v1beta1|*': { removedIn: '1.25' },
  'node.k8s.io/v1beta1|*': { removedIn: '1.25', use: 'node.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta1|*': { removedIn: '1.26', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta2|*': { removedIn: '1.29', use: 'flowcontrol.apiserver.k8s.io/v1' },
  'flowcontrol.apiserver.k8s.io/v1beta3|*': { removedIn: '1.32', use: 'flowcontrol.apiserver.k8s.io/v1' },
};

/** An object of an API version Kubernetes removed; the message names the object and the replacement. */
export class RemovedApiError extends ConvergeError {
  readonly code = 'REMOVED_API';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
    readonly object: string,
    readonly removedIn: string,
    readonly use: string | undefined,
  ) {
    super(
      `${kind} ${object}: apiVersion ${apiVersion} was removed in Kubernetes ${removedIn}` +
        `${use ? `; use apiVersion ${use}` : ''} (a cluster answers: no matches for kind "${kind}" in version "${apiVersion}")`,
    );
  }
}

/** The removal of `apiVersion`'s `kind`, if Kubernetes removed it. */
export function removedApi(
  apiVersion: string,
  kind: string,
): { removedIn: string; use?: string } | undefined {
  return REMOVED[`${apiVersion}|${kind}`] ?? REMOVED[`${apiVersion}|*`];
}

/** Throws RemovedApiError when `object`'s apiVersion is one Kubernetes no longer serves. */
export function refuseRemovedApi(object: KubeObject): void {
  const removed = removedApi(object.apiVersion, object.kind);
  if (!removed) return;
  const ns = object.metadata?.namespace;
  const name = `${ns ? `${ns}/` : ''}${object.metadata?.name ?? '(no name)'}`;
  throw new RemovedApiError(
    object.apiVersion,
    object.kind,
    JSON.stringify(name),
    removed.removedIn,
    removed.use,
  );
}
