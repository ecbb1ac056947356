import { createRequire } from 'node:module';
import type * as Sqlite from 'node:sqlite';

/**
 * Loads `node:sqlite` on first use. Some Node releases (22.x) emit an ExperimentalWarning when
 * the module loads; it is swallowed here so that a CLI's output stays clean. Other warnings pass.
 */
let sqlite: typeof Sqlite | undefined;

export function loadSqlite(): typeof Sqlite {
  if (sqlite === undefined) {
    const require = createRequire(import.meta.url);
    sqlite = withoutSqliteExperimentalWarning(() => require('node:sqlite') as typeof Sqlite);
  }
  return sqlite;
}

/** Runs `fn` with `process.emitWarning` ignoring the SQLite ExperimentalWarning only. */
export function withoutSqliteExperimentalWarning<T>(fn: () => T): T {
  const original = process.emitWarning;
  const filtered = (warning: string | Error, ...rest: unknown[]): void => {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  };
  process.emitWarning = filtered as typeof process.emitWarning;
  try {
    return fn();
  } finally {
    process.emitWarning = original;
  }
}

function isSqliteExperimentalWarning(warning: string | Error, typeOrOptions: unknown): boolean {
  const message = typeof warning === 'string' ? warning : warning.message;
  const type =
    typeof typeOrOptions === 'string'
      ? typeOrOptions
      : typeof typeOrOptions === 'object' && typeOrOptions !== null && 'type' in typeOrOptions
        ? String((typeOrOptions as { type: unknown }).type)
        : typeof warning === 'string'
          ? undefined
          : warning.name;
  return type === 'ExperimentalWarning' && /sqlite/i.test(message);
}
