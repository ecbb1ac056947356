import { join } from 'node:path';
import {
  DEFAULT_LISTEN,
  ListenAddressError,
  parseListenAddress,
  resolveListenAddress,
} from '@converge/server';
import { resolveDebugSocket } from 'converge';
import { describe, expect, it } from 'vitest';

describe('--listen ADDR:PORT and its environment fallbacks', () => {
  it('parses ADDR:PORT, [v6]:PORT, :PORT and a bare port', () => {
    expect(parseListenAddress('10.0.0.1:9650')).toEqual({ host: '10.0.0.1', port: 9650 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress(':9650')).toEqual({ host: '0.0.0.0', port: 9650 });
    expect(parseListenAddress('8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    for (const bad of ['localhost', 'host:port', '1.2.3.4:70000', ''])
      expect(() => parseListenAddress(bad), bad).toThrow(ListenAddressError);
  });

  it('the flag wins, then ADDON_OPERATOR_LISTEN_ADDRESS/_PORT (SHELL_OPERATOR_ as fallback), then 127.0.0.1:9650', () => {
    const env = { ADDON_OPERATOR_LISTEN_ADDRESS: '0.0.0.0', ADDON_OPERATOR_LISTEN_PORT: '9700' };
    expect(resolveListenAddress('127.0.0.1:1234', env)).toEqual({ host: '127.0.0.1', port: 1234 });
    expect(resolveListenAddress(undefined, env)).toEqual({ host: '0.0.0.0', port: 9700 });
    expect(resolveListenAddress(undefined, { ADDON_OPERATOR_LISTEN_PORT: '0' })).toEqual({
      host: '127.0.0.1',
      port: 0,
    });
    expect(resolveListenAddress(undefined, { SHELL_OPERATOR_LISTEN_ADDRESS: '10.1.1.1' })).toEqual({
      host: '10.1.1.1',
      port: 9650,
    });
    expect(resolveListenAddress(undefined, {})).toEqual(DEFAULT_LISTEN);
    expect(() => resolveListenAddress(undefined, { ADDON_OPERATOR_LISTEN_PORT: 'http' })).toThrow(
      "ADDON_OPERATOR_LISTEN_PORT 'http' is not a port number",
    );
  });
});

describe('the debug socket path', () => {
  it('--debug-socket, else DEBUG_UNIX_SOCKET, else beside the sqlite store (one socket per store)', () => {
    expect(
      resolveDebugSocket('/run/x.socket', 'sqlite:/data/events.sqlite', { DEBUG_UNIX_SOCKET: '/y' }),
    ).toBe('/run/x.socket');
    expect(resolveDebugSocket(undefined, 'sqlite:/data/events.sqlite', { DEBUG_UNIX_SOCKET: '/y' })).toBe(
      '/y',
    );
    expect(resolveDebugSocket(undefined, 'sqlite:/data/events.sqlite', {})).toBe('/data/debug.socket');
    expect(resolveDebugSocket(undefined, 'sqlite:/data/replica-a.sqlite', {})).toBe(
      '/data/replica-a.debug.socket',
    );
    expect(resolveDebugSocket(undefined, undefined, {})).toBe(
      join(process.cwd(), '.converge', 'debug.socket'),
    );
  });
});
