import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Engine } from '@converge/runtime';
import { type EngineServer, ListenError, resolveListenAddress, serveEngine } from '@converge/server';

/** What a command (`converge run`, `converge fleet`) was asked to serve. */
export interface OperatorServeFlags {
  /** `--listen ADDR:PORT`. */
  listen?: string;
  /** `--debug-socket PATH`. */
  debugSocket?: string;
  /**
   * `--once` (and `converge fleet`): HTTP only when `--listen` is given, the debug socket only
   * when `--listen` or `--debug-socket` is given. Otherwise both are served by default.
   */
  onlyWhenAsked: boolean;
  /** The `--store` value: a sqlite store's directory holds the default debug socket. */
  store?: string;
}

/**
 * The debug socket a command serves or a debug subcommand talks to: `--debug-socket`, else
 * `DEBUG_UNIX_SOCKET` (addon-operator's variable), else beside the sqlite store: `debug.socket`
 * for a store named `events.sqlite` (`.converge/debug.socket` for the default store), else
 * `<name>.debug.socket`.
 */
export function resolveDebugSocket(
  flag: string | undefined,
  store?: string,
  env: Record<string, string | undefined> = process.env,
): string {
  if (flag) return resolve(flag);
  if (env.DEBUG_UNIX_SOCKET) return resolve(env.DEBUG_UNIX_SOCKET);
  const sqlite = store?.startsWith('sqlite:') ? resolve(store.slice('sqlite:'.length)) : undefined;
  if (!sqlite || basename(sqlite) === 'events.sqlite')
    return join(sqlite ? dirname(sqlite) : join(process.cwd(), '.converge'), 'debug.socket');
  // Stores side by side in one directory get sockets of their own: `a.sqlite` → `a.debug.socket`.
  return join(dirname(sqlite), `${basename(sqlite, extname(sqlite))}.debug.socket`);
}

/**
 * Starts a command's HTTP server and debug socket as addon-operator does: on `--listen`, else
 * `ADDON_OPERATOR_LISTEN_ADDRESS`/`_PORT`, else 127.0.0.1:9650. Resolves undefined when nothing
 * is to be served; rejects with the server's ListenError (naming the address) when it cannot bind.
 */
export async function startOperatorServer(
  engine: Engine,
  flags: OperatorServeFlags,
  env: Record<string, string | undefined> = process.env,
  warn?: (message: string) => void,
): Promise<EngineServer | undefined> {
  const http = !flags.onlyWhenAsked || flags.listen !== undefined;
  const socket = http || flags.debugSocket !== undefined;
  if (!http && !socket) return undefined;
  const listen = http ? { listen: resolveListenAddress(flags.listen, env) } : {};
  const debugSocket = resolveDebugSocket(flags.debugSocket, flags.store, env);
  try {
    return await serveEngine(engine, { ...listen, ...(socket ? { debugSocket } : {}) });
  } catch (e) {
    // A default socket that cannot be bound (a path too long for a unix socket, a read-only
    // directory) leaves the HTTP server up; one asked for by name is an error.
    const asked = flags.debugSocket !== undefined || env.DEBUG_UNIX_SOCKET !== undefined;
    if (!(e instanceof ListenError) || e.address !== debugSocket || asked || !http) throw e;
    warn?.(`debug socket not served: ${e.message}`);
    return serveEngine(engine, listen);
  }
}
