import { ConvergeError } from '@converge/protocol';

/** Where an HTTP server listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** converge's default listen address: loopback, addon-operator's port 9650. */
export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 9650 };

/** A `--listen` value (or its environment fallback) that is not `ADDR:PORT`. */
export class ListenAddressError extends ConvergeError {
  readonly code = 'LISTEN_ADDRESS';
  constructor(
    message: string,
    /** The value as given. */
    readonly value: string,
  ) {
    super(message);
  }
}

/** The address could not be bound (in use, not allowed, not local). */
export class ListenError extends ConvergeError {
  readonly code = 'LISTEN';
  constructor(
    message: string,
    /** `host:port` or the socket path that could not be bound. */
    readonly address: string,
    /** The system error code (`EADDRINUSE`, `EACCES`, ...). */
    readonly errno: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Parses `ADDR:PORT` (`127.0.0.1:9650`, `[::1]:9650`, `:9650` for every interface, or a bare
 * port). Port 0 asks the system for a free port.
 */
export function parseListenAddress(value: string): ListenAddress {
  const v = value.trim();
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(v) ?? /^()()(\d+)$/.exec(v);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ListenAddressError(`listen address '${value}' is not ADDR:PORT (e.g. 127.0.0.1:9650)`, value);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/**
 * The listen address from a `--listen` flag, else from addon-operator's environment
 * (`ADDON_OPERATOR_LISTEN_ADDRESS`, `ADDON_OPERATOR_LISTEN_PORT`, with shell-operator's
 * `SHELL_OPERATOR_LISTEN_*` as fallbacks, as addon-operator's `pkg/app` reads them), else
 * {@link DEFAULT_LISTEN}. Returns undefined when nothing is set and `fallback` is undefined.
 */
export function resolveListenAddress(
  flag: string | undefined,
  env: Record<string, string | undefined> = process.env,
  fallback: ListenAddress | undefined = DEFAULT_LISTEN,
): ListenAddress | undefined {
  if (flag !== undefined) return parseListenAddress(flag);
  const host = env.ADDON_OPERATOR_LISTEN_ADDRESS ?? env.SHELL_OPERATOR_LISTEN_ADDRESS;
  const port = env.ADDON_OPERATOR_LISTEN_PORT ?? env.SHELL_OPERATOR_LISTEN_PORT;
  if (host === undefined && port === undefined) return fallback;
  const base = fallback ?? DEFAULT_LISTEN;
  const p = port === undefined ? base.port : Number(port);
  if (!/^\d+$/.test(port ?? String(base.port)) || p > 65535)
    throw new ListenAddressError(`ADDON_OPERATOR_LISTEN_PORT '${port}' is not a port number`, port ?? '');
  return { host: host || base.host, port: p };
}

/** `host:port` as a URL authority (IPv6 hosts in brackets). */
export function formatHostPort(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
