export * from './discovery.js';
export * from './errors.js';
export * from './kube-cluster.js';
export * from './kube-config-map-source.js';
export * from './leader-election.js';
export * from './load-kube-config.js';
export * from './transport.js';
