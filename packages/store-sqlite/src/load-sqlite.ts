import { createRequire } from 'node:module';
import type * as Sqlite from 'node:sqlite';
import { NodeVersionError } from '@converge/protocol';

/**
 * Loads `node:sqlite` on first use; below Node 22.13 (no such built-in) it throws
 * `NodeVersionError` naming the Node required and how to get it. Some Node releases (22.x) emit an ExperimentalWarning when
 * the module loads; it is swallowed here so that a CLI's output stays clean. Other warnings pass.
 */
let sqlite: typeof Sqlite | undefined;

export function loadSqlite(): typeof Sqlite {
  if (sqlite === undefined) {
    const require = createRequire(import.meta.url);
    try {
      sqlite = withoutSqliteExperimentalWarning(() => require('node:sqlite') as typeof Sqlite);
    } catch (e) {
      throw sqliteLoadError(e, process.version);
    }
  }
  return sqlite;
}

/**
 * What a failed `require('node:sqlite')` becomes: on a Node without the built-in, a
 * `NodeVersionError` naming the Node found (`version`), the one needed and how to run Node 24.
 */
export function sqliteLoadError(error: unknown, version: string): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'ERR_UNKNOWN_BUILTIN_MODULE') return error;
  return new NodeVersionError('>= 22.13', version, '@converge/store-sqlite (node:sqlite)', { cause: error });
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
