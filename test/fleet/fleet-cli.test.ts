import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openPostgresEventReader, PostgresFleetRows } from '@converge/store-postgres';
import {
  type KubeApiServer,
  type PostgresServer,
  startKubeApiServer,
  startPostgres,
} from '@converge/testing';
import { type FleetStatusRow, fleetStatusCommand, openFleetBackend } from 'converge';
import pgClient from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';

/**
 * `converge fleet`: real replica processes over three test Kubernetes API servers and one real
 * PostgreSQL; the target leases are the streams' writer leases.
 */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const work = mkdtempSync(join(tmpdir(), 'converge-fleet-'));
const LEASE = '2s';
const LEASE_MS = 2_000;

let pg: PostgresServer;
const servers: Record<string, KubeApiServer> = {};
const children: ChildProcess[] = [];
const names = ['alpha', 'beta', 'gamma'];

beforeAll(async () => {
  const started = await Promise.all([startPostgres(), ...names.map(() => startKubeApiServer())]);
  pg = started[0] as PostgresServer;
  names.forEach((n, i) => {
    servers[n] = started[i + 1] as KubeApiServer;
    servers[n]?.cluster.watch({ apiVersion: 'v1', kind: 'ConfigMap' }, changed);
  });
  // One module with a chart: a ConfigMap whose data comes from the module's values.
  const chart = join(work, 'modules', '010-greeter');
  mkdirSync(join(chart, 'templates'), { recursive: true });
  writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: greeter\nversion: 0.1.0\n');
  writeFileSync(join(chart, 'values.yaml'), 'greeting: hello\n');
  writeFileSync(
    join(chart, 'templates', 'greeting.yaml'),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeting\ndata:\n  greeting: {{ .Values.greeter.greeting | quote }}\n',
  );
  writeFileSync(join(work, 'modules', 'values.yaml'), 'greeterEnabled: true\ngreeter: {}\n');
  for (const n of names) {
    servers[n]?.writeKubeconfig(join(work, `${n}.kubeconfig`), { context: n });
    writeFileSync(join(work, `${n}-config.yaml`), stringify({ greeter: { greeting: `hi ${n}` } }));
  }
  writeFileSync(
    join(work, 'targets.yaml'),
    stringify({
      targets: names.map((n) => ({
        name: n,
        kubeconfig: `${n}.kubeconfig`,
        context: n,
        modulesDir: 'modules',
        config: `${n}-config.yaml`,
      })),
    }),
  );
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all([pg?.stop(), ...Object.values(servers).map((s) => s.close())]);
  rmSync(work, { recursive: true, force: true });
});

interface Replica {
  id: string;
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
}

function replica(id: string): Replica {
  const child = spawn(
    bin,
    [
      'fleet',
      '--targets',
      join(work, 'targets.yaml'),
      '--store',
      pg.url,
      '--replica',
      id,
      '--lease-duration',
      LEASE,
      '--listen',
      '127.0.0.1:0',
    ],
    { cwd: work, env: { ...process.env, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c;
    changed();
  });
  child.stderr?.on('data', (c) => {
    out += c;
    changed();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { id, child, out: () => out, exited };
}

/** Bumped by everything a condition below can follow: a replica's output line, a ConfigMap change. */
let changes = 0;
const waiters = new Set<() => void>();
function changed(): void {
  changes += 1;
  for (const w of [...waiters]) w();
}
const nextChange = () =>
  new Promise<void>((resolve) => {
    const w = () => {
      waiters.delete(w);
      resolve();
    };
    waiters.add(w);
  });

/**
 * Waits until an observable condition (fleet status rows, the API servers' objects) holds,
 * re-checking it after each change: a replica logs every readiness it records ("fleet: target
 * ready") after writing its row, and the API servers report their ConfigMaps' changes.
 */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  ms = 30_000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    for (;;) {
      const seen = changes;
      const next = nextChange();
      const v = await check();
      if (v !== undefined && v !== false) return v;
      if (changes === seen) await Promise.race([next, deadline]);
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Ends `stream`'s writer lease now, as its running out would (the holder thinks it still holds it). */
async function expireLease(stream: string): Promise<void> {
  const client = new pgClient.Client({ connectionString: pg.url });
  await client.connect();
  try {
    await client.query('UPDATE converge.leases SET expires_at = now() WHERE stream = $1', [stream]);
  } finally {
    await client.end();
  }
}

const greetingIn = (target: string) =>
  (
    servers[target]?.cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'greeting',
    }) as { data?: { greeting?: string } } | undefined
  )?.data?.greeting;

/** `converge fleet status` (the command, in this process) as text, with or without --json. */
async function statusCommand(json: boolean): Promise<string> {
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk;
      done();
    },
  });
  expect(await fleetStatusCommand({ store: pg.url, json }, out)).toBe(0);
  return text;
}

describe('converge fleet', () => {
  it('a target lease is its stream writer lease: the next owner takes the epoch, the old writer is fenced', async () => {
    const backend = await openFleetBackend(pg.url);
    try {
      await backend.registerTargets(['fence-test']);
      const first = await backend.openStream('fence-test', 'r-one', 1_500);
      expect(first?.epoch).toBe(1);
      // Held: another replica gets nothing while the lease lasts.
      expect(await backend.openStream('fence-test', 'r-two', 1_500)).toBeUndefined();
      first?.store.append([{ type: 'EngineStopped', runId: 'one', at: new Date().toISOString() }]);
      // r-one stops renewing: its lease runs out (set as run out, rather than waited for).
      await expireLease('fence-test');
      const second = await backend.openStream('fence-test', 'r-two', 5_000);
      if (!second) throw new Error('r-two did not get the expired lease');
      expect(second.epoch).toBe(2);
      const fenced = new Promise<void>((r) => first?.onFenced(r));
      expect(() =>
        first?.store.append([{ type: 'EngineStopped', runId: 'one-late', at: new Date().toISOString() }]),
      ).toThrow(/taken over/);
      await fenced;
      expect(await first?.renew()).toBe(false);
      second.store.append([{ type: 'EngineStopped', runId: 'two', at: new Date().toISOString() }]);
      await second.release();
      await first?.release();
      const reader = openPostgresEventReader(pg.url, { stream: 'fence-test' });
      const runs = reader.read(1).map((e) => (e.type === 'EngineStopped' ? e.runId : e.type));
      await reader.close();
      expect(runs).toEqual(['one', 'two']);
      // r-one's release after losing the lease did not end r-two's lease (it was conditional).
      const rows = await backend.status();
      expect(rows.find((r) => r.target === 'fence-test')).toMatchObject({
        epoch: 2,
        owner: null,
        lastSeq: 2,
      });
    } finally {
      await backend.close();
    }
  });

  it('two replicas converge three clusters; after a SIGKILL the survivor takes the target over and converges a config change there', async () => {
    const rows = new PostgresFleetRows(pg.url);
    const targetRows = async () => (await rows.status()).filter((r) => names.includes(r.target));
    const started: Replica[] = [];
    try {
      const a = replica('replica-a');
      const b = replica('replica-b');
      started.push(a, b);
      const all = await until('all three targets ready, spread over both replicas', async () => {
        const r = await targetRows();
        return r.length === 3 && r.every((x) => x.ready) && new Set(r.map((x) => x.owner)).size === 2
          ? r
          : undefined;
      });
      for (const n of names) expect(greetingIn(n)).toBe(`hi ${n}`);
      // Kill the owner of alpha outright: no clean leave, its leases must expire.
      const victim = all.find((r) => r.target === 'alpha')?.owner === 'replica-a' ? a : b;
      const survivor = victim === a ? b : a;
      const lost = all.filter((r) => r.owner === victim.id);
      const killedAt = Date.now();
      victim.child.kill('SIGKILL');
      await victim.exited;
      const taken = await until('the survivor owns every target, ready', async () => {
        const r = await targetRows();
        return r.every((x) => x.owner === survivor.id && x.ready) ? r : undefined;
      });
      const takeoverMs = Date.now() - killedAt;
      for (const l of lost) expect(taken.find((r) => r.target === l.target)?.epoch).toBe(l.epoch + 1);
      // The new owner restored alpha's engine from its stream and went on (a second run in one log).
      const reader = openPostgresEventReader(pg.url, { stream: 'alpha' });
      const starts = reader.read(1).filter((e) => e.type === 'EngineStarted');
      await reader.close();
      expect(starts.length).toBeGreaterThanOrEqual(2);
      // Lease duration + one converge (a converge here is well under 10 s even on a busy machine).
      expect(takeoverMs).toBeLessThan(LEASE_MS + 10_000);

      // The survivor serves every target it runs, alpha's addon-operator routes included.
      const url = /"url":"(http:[^"]+)","msg":"fleet: serving"/.exec(survivor.out())?.[1];
      expect(url).toBeDefined();
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      expect(
        ((await (await fetch(`${url}/targets`)).json()) as { target: string }[]).map((t) => t.target).sort(),
      ).toEqual(names);
      const alphaReady = await fetch(`${url}/targets/alpha/readyz`);
      expect([alphaReady.status, (await alphaReady.text()).trim()]).toEqual([200, 'Startup converge done.']);
      expect((await fetch(`${url}/targets/alpha/metrics`)).status).toBe(200);
      expect((await fetch(`${url}/targets/nowhere/readyz`)).status).toBe(404);

      writeFileSync(join(work, 'alpha-config.yaml'), stringify({ greeter: { greeting: 'hi again alpha' } }));
      await until('the survivor converged the config change', () => greetingIn('alpha') === 'hi again alpha');

      survivor.child.kill('SIGTERM');
      expect(await survivor.exited).toBe(143);
      // A clean leave gives the leases up at once; fleet status shows the rows the store holds.
      const final = await targetRows();
      for (const r of final) expect(r.owner).toBeNull();
      const json = (JSON.parse(await statusCommand(true)) as FleetStatusRow[]).filter((r) =>
        names.includes(r.target),
      );
      expect(json).toEqual(final);
      for (const r of json) {
        expect(Object.keys(r).sort()).toEqual([
          'epoch',
          'lastSeq',
          'leaseExpiresAt',
          'owner',
          'ready',
          'target',
        ]);
        expect(r.lastSeq).toBeGreaterThan(0);
      }
      const table = (await statusCommand(false)).split('\n');
      expect(table[0]).toMatch(/^TARGET\s+OWNER\s+EPOCH\s+LEASE EXPIRES\s+LAST SEQ\s+READY$/);
      expect(table.find((l) => l.startsWith('alpha '))).toMatch(
        new RegExp(`^alpha\\s+-\\s+${final[0]?.epoch}\\s+-\\s+${final[0]?.lastSeq}\\s+no$`),
      );
      expect(survivor.out()).toContain('left the fleet');
    } catch (e) {
      // What the replicas logged, to see why.
      for (const r of started) process.stderr.write(`--- ${r.id}\n${r.out().slice(-6000)}\n`);
      throw e;
    } finally {
      await rows.close();
    }
  }, 60_000);
});
