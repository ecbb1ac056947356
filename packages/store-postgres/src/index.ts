// The public API of @converge/store-postgres, by name (docs/api.md lists each one; `npm run lint` checks both).
export { PostgresFleetRows } from './fleet-rows.js';
export {
  DEFAULT_STREAM,
  openPostgresEventReader,
  openPostgresEventStore,
  type PostgresEventStoreOptions,
} from './postgres-event-store.js';
export { type FollowOptions, followPostgresStream } from './postgres-follow.js';
export { type AcquireLeaseOptions, PostgresLeases, type PostgresLeasesOptions } from './postgres-leases.js';
export { rowChecksum } from './postgres-rows.js';
export { isPostgresUrl, redactPostgresUrl } from './postgres-url.js';
