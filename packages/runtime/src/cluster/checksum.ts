import { createHash } from 'node:crypto';
import { canonicalJson } from '@converge/core';

/**
 * MD5 hex of the canonical JSON of a value (core's `canonicalJson`): the change-detection checksum
 * of shell-operator pkg/kube_events_manager/resource_informer.go. The same digest as core's `valuesChecksum`, computed with `node:crypto` (faster).
 */
export function checksumOf(value: unknown): string {
  return createHash('md5').update(canonicalJson(value)).digest('hex');
}
