export * from './clock.js';
export * from './cluster/index.js';
export * from './engine/index.js';
export * from './hook-definition.js';
export * from './hook-metrics.js';
export * from './logger.js';
export * from './metrics.js';
export * from './store/index.js';
