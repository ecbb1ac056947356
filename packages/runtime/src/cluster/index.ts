export * from './binding-monitor.js';
export * from './checksum.js';
export * from './errors.js';
export * from './jq-engine.js';
