// The public API of @converge/kube, by name (docs/api.md lists each one; `npm run lint` checks both).
export { KubeConfigError, KubeConnectionError, UnknownKindError } from './errors.js';
export { KubeCluster, type KubeClusterOptions } from './kube-cluster.js';
export { KubeConfigMapSource, type KubeConfigMapSourceOptions } from './kube-config-map-source.js';
export { ADDON_OPERATOR_LEASE, LeaderElector, type LeaderElectorOptions } from './leader-election.js';
export { type LoadKubeConfigOptions, loadKubeConfig } from './load-kube-config.js';
