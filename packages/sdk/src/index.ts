export * from './define-hook.js';
export * from './errors.js';
export * from './hook-metadata.js';
export * from './metrics-collector.js';
export * from './patch-collector.js';
export * from './patchable-values.js';
export * from './snapshots.js';
export { lookupPath, type PathLookup, pointerOf, splitPath } from './values-path.js';
