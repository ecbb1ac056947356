import { startPostgres } from '@converge/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('startPostgres', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('returns a postgres:// URL of a real PostgreSQL server on loopback that accepts queries', async () => {
    const url = new URL(server.url);
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('127.0.0.1');
    const client = new pg.Client(server.url);
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT current_setting('server_version_num')::int AS version, current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
      );
      expect(rows[0].version).toBeGreaterThanOrEqual(160000);
      expect(rows[0].listen).toBe('127.0.0.1');
      expect(rows[0].sockets).toBe('');
    } finally {
      await client.end();
    }
  });

  it('rejects a wrong password (the server checks credentials)', async () => {
    const url = new URL(server.url);
    url.password = 'wrong';
    const client = new pg.Client(url.toString());
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
  });

  it('two servers run side by side on different ports; stop ends one and is idempotent', async () => {
    const other = await startPostgres();
    expect(new URL(other.url).port).not.toBe(new URL(server.url).port);
    const client = new pg.Client(other.url);
    await client.connect();
    await client.end();
    await other.stop();
    await other.stop();
    const late = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 5000 });
    late.on('error', () => {});
    await expect(late.connect()).rejects.toThrow();
  });
});
