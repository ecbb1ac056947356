/** `postgres://` locations, as the CLI's `--store` and log arguments take them. */

/** Whether `location` names a PostgreSQL server (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * The URL with its password replaced by `***`, for messages and logs: a store's URL may carry
 * credentials (docs/security.md), and they are never printed. Anything unparsable is returned
 * as `postgres://***`.
 */
export function redactPostgresUrl(location: string): string {
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://***';
  }
}
