export * from './cluster-records.js';
export * from './cluster-store.js';
export * from './in-memory-cluster.js';
