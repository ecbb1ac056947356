export * from './fleet-rows.js';
export * from './postgres-event-store.js';
export * from './postgres-follow.js';
export * from './postgres-leases.js';
export { rowChecksum } from './postgres-rows.js';
export { DEFAULT_SCHEMA } from './postgres-schema.js';
export * from './postgres-url.js';
