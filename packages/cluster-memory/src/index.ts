// The public API of @converge/cluster-memory, by name (docs/api.md lists each one; `npm run lint` checks both).
export type { ClusterStore } from './cluster-store.js';
export { type ClusterChange, InMemoryCluster, type InMemoryClusterOptions } from './in-memory-cluster.js';
