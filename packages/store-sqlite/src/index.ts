// The public API of @converge/store-sqlite, by name (docs/api.md lists each one; `npm run lint` checks both).
export { sqliteLoadError } from './load-sqlite.js';
export {
  openSqliteEventReader,
  openSqliteEventStore,
  SqliteEventStore,
  type SqliteEventStoreOptions,
} from './sqlite-event-store.js';
export { rowChecksum } from './sqlite-rows.js';
export { isSqliteUrl, parseSqliteUrl, parseStoreUrl, type StoreLocation } from './sqlite-url.js';
export type { StoreVerifyReport } from './sqlite-verify.js';
export { lockPathOf } from './writer-lock.js';
