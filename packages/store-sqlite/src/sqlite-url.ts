/** `sqlite:PATH` locations, as the CLI's `--store` and log arguments take them. */

/** Whether `location` names a sqlite store (`sqlite:PATH`, `sqlite:///abs/path`). */
export function isSqliteUrl(location: string): boolean {
  return location.startsWith('sqlite:');
}

/**
 * The file path of a `sqlite:PATH` location: `sqlite:events.db`, `sqlite:/var/x.db` and
 * `sqlite:///var/x.db` (`sqlite://` followed by the path). Throws TypeError for anything else
 * or an empty path.
 */
export function parseSqliteUrl(location: string): string {
  if (!isSqliteUrl(location))
    throw new TypeError(`not a sqlite store location: ${JSON.stringify(location)} (expected sqlite:PATH)`);
  const path = location.startsWith('sqlite://')
    ? location.slice('sqlite://'.length)
    : location.slice('sqlite:'.length);
  if (path === '') throw new TypeError(`sqlite store location ${JSON.stringify(location)} has no path`);
  return path;
}

/** Where an event store lives: a SQLite file, or the process's memory. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'memory' };

/**
 * Parses a store URL: `sqlite:PATH` (see `parseSqliteUrl`) or `memory:`. Throws TypeError
 * naming the accepted forms for anything else.
 */
export function parseStoreUrl(url: string): StoreLocation {
  if (isSqliteUrl(url)) return { kind: 'sqlite', path: parseSqliteUrl(url) };
  if (url === 'memory:' || url === 'memory') return { kind: 'memory' };
  throw new TypeError(`unsupported event store ${JSON.stringify(url)} (expected sqlite:PATH or memory:)`);
}
