import type { KubeObject } from '@converge/protocol';

/** Byte-order comparison of namespace, then name, then apiVersion. */
export function compareObjects(a: KubeObject, b: KubeObject): number {
  return (
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name, b.metadata.name) ||
    compareStrings(a.apiVersion, b.apiVersion)
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
