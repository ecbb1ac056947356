export * from './chart-source.js';
export * from './in-memory-release-store.js';
export * from './manifest-order.js';
export * from './object-scope.js';
export * from './render-chart.js';
export * from './resolve-helm.js';
export * from './yaml-docs.js';
