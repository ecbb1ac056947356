export * from './postgres-url.js';
export * from './fleet-rows.js';
