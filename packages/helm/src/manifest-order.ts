/**
 * How helm turns rendered template files into the manifest text it prints: files in path order,
 * each split into documents, documents sorted (stably) by kind install order, then written as
 * `---\n# Source: <file>\n<document>\n`. Reproduced from helm's observable output (3.17 and 4.1).
 */
import { goCompare, goTrimSpace } from './go-text.js';

export type HelmMajor = 3 | 4;

/** Kind install order of helm 3.17; unknown kinds come after these, alphabetically. */
const HELM3_INSTALL_ORDER: readonly string[] = [
  'PriorityClass',
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** Helm 4.1 adds the admission webhook configurations at the end. */
const HELM4_INSTALL_ORDER: readonly string[] = [
  ...HELM3_INSTALL_ORDER,
  'MutatingWebhookConfiguration',
  'ValidatingWebhookConfiguration',
];

/** The kind install order of a helm major version. */
export function installOrder(major: HelmMajor): readonly string[] {
  return major === 4 ? HELM4_INSTALL_ORDER : HELM3_INSTALL_ORDER;
}

/** Helm's document separator: `---` at the start or after a newline, with surrounding blanks. */
const SEPARATOR = /(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*/;

/** Splits one rendered file into documents exactly as helm does (trimmed, empty ones dropped). */
export function splitManifests(text: string): string[] {
  const docs: string[] = [];
  for (const part of goTrimSpace(text).split(SEPARATOR)) {
    if (part === '') continue;
    docs.push(goTrimSpace(part));
  }
  return docs;
}

/** One document of one template file, with the kind helm sorts it by ("" when absent). */
export interface ManifestDocument {
  /** Template path as helm names it: `<chart>/templates/<file>`. */
  source: string;
  content: string;
  kind: string;
}

/**
 * Sorts documents as helm does: stably, known kinds by install order, unknown kinds after them
 * ordered by kind name (byte order), documents of one kind keep their file/document order.
 */
export function sortByKind(docs: readonly ManifestDocument[], major: HelmMajor): ManifestDocument[] {
  const rank = new Map(installOrder(major).map((kind, index) => [kind, index]));
  return docs
    .map((doc, index) => ({ doc, index }))
    .sort((a, b) => {
      const ra = rank.get(a.doc.kind);
      const rb = rank.get(b.doc.kind);
      if (ra === undefined && rb === undefined) {
        const byKind = goCompare(a.doc.kind, b.doc.kind);
        if (byKind !== 0) return byKind;
      } else if (ra === undefined) {
        return 1;
      } else if (rb === undefined) {
        return -1;
      } else if (ra !== rb) {
        return ra - rb;
      }
      return a.index - b.index;
    })
    .map((entry) => entry.doc);
}

/** The text `helm template` prints for sorted documents (hooks excluded). */
export function joinManifest(docs: readonly ManifestDocument[]): string {
  let text = '';
  for (const doc of docs) text += `---\n# Source: ${doc.source}\n${doc.content}\n`;
  return `${goTrimSpace(text)}\n`;
}
