/**
 * Which helm releases converge may uninstall (docs/compatibility.md "Only its own releases"): those
 * it installed (release label `converge.io/owner=converge`) and those addon-operator installed
 * (release label `moduleChecksum`, set on every upgrade by addon-operator's
 * pkg/module_manager/models/modules/helm.go, or, from older versions, the
 * `_addonOperatorModuleChecksum` key in the release values that pkg/helm/helm3lib/helm3lib.go
 * still reads). Any other release is foreign and left alone.
 */

/** Release label converge puts on every release it installs or upgrades. */
export const OWNER_LABEL = 'converge.io/owner';
export const OWNER_VALUE = 'converge';

/** Whether a release with these labels (and legacy checksum, if any) was installed by converge or addon-operator. */
export function isOwnedRelease(
  labels: Readonly<Record<string, string>> | undefined,
  checksum?: string,
): boolean {
  if (labels?.[OWNER_LABEL] === OWNER_VALUE) return true;
  return checksum !== undefined || labels?.moduleChecksum !== undefined;
}

/** The labels of an upgrade: the engine's labels plus the owner label. */
export function ownedLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...labels, [OWNER_LABEL]: OWNER_VALUE };
}

/**
 * Drops the release addon-operator's HELM_IGNORE_RELEASE names from a listing, as its
 * ListReleasesNames does (pkg/helm/helm3lib/helm3lib.go), together with empty names.
 */
export function withoutIgnored(names: readonly string[], ignoreRelease: string | undefined): string[] {
  return names.filter((name) => name !== '' && (!ignoreRelease || name !== ignoreRelease));
}
