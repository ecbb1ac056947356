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
