export * from './private-temp-dir.js';
export * from './proc-stat.js';
export * from './process-group-registry.js';
