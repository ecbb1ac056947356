export { sqliteLoadError } from './load-sqlite.js';
export * from './sqlite-event-store.js';
export { rowChecksum } from './sqlite-rows.js';
export * from './sqlite-url.js';
export type { StoreVerifyReport } from './sqlite-verify.js';
export { lockPathOf } from './writer-lock.js';
