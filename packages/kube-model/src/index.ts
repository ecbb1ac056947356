// The public API of @converge/kube-model, by name (docs/api.md lists each one; `npm run lint` checks both).
export {
  BUILT_IN_RESOURCES,
  crdResources,
  guessPlural,
  namesResource,
  type ResourceNames,
} from './built-in-resources.js';
export {
  ConfigMapDataError,
  configMapDataOf,
  configMapEntryOf,
  parseConfigMapData,
  withConfigSection,
} from './config-map-data.js';
export { deepFreeze } from './deep-freeze.js';
export { applyJsonPatch, applyMergePatch } from './merge-patch.js';
export { DEFAULT_CLUSTER_SCOPED_KINDS, describeRef, ObjectIdentity, refOf } from './object-identity.js';
export { compareObjects } from './object-order.js';
export {
  applyObjectPatch,
  isKubeObject,
  type JqPatchFunction,
  parseDocument,
  targetOf,
} from './object-patch.js';
export { ObjectPatchError, type ObjectPatchFailure } from './object-patch-error.js';
export { RemovedApiError, refuseRemovedApi } from './removed-apis.js';
export {
  labelSelectorString,
  type NarrowingQuery,
  narrowingQuery,
  parseFieldSelector,
  parseLabelSelector,
  SelectorSyntaxError,
} from './selector-query.js';
export {
  fieldValue,
  kindMatches,
  matchesFieldSelector,
  matchesLabelSelector,
  matchesSelector,
  type NamespaceLabels,
} from './selectors.js';
export { parseGoYaml, parseGoYamlDocuments, parseYamlV3 } from './yaml-dialects.js';
