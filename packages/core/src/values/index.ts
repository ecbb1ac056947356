export * from './checksum.js';
export * from './draft-patch.js';
export * from './json-patch.js';
export * from './layering.js';
export * from './merge.js';
export * from './naming.js';
export * from './patch-compaction.js';
export * from './values-patch.js';
