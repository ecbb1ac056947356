export * from './cluster-records.js';
export * from './in-memory-cluster.js';
