import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/** `converge run --cluster kube --leader-election`: two replicas, one Lease (addon-operator's HA mode). */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const modules = join(root, 'examples', 'quickstart', 'modules');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-ha-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let server: KubeApiServer | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await server?.close();
  server = undefined;
});

interface Replica {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number | null>;
  events: string;
}

function replica(identity: string, kubeconfig: string, extra: string[] = []): Replica {
  const events = join(work, `${identity}.jsonl`);
  const child = spawn(
    bin,
    [
      'run',
      modules,
      '--cluster',
      'kube',
      '--kubeconfig',
      kubeconfig,
      '--leader-election',
      '--identity',
      identity,
      '--lease-duration',
      '2s',
      '--json',
      '--events',
      events,
      '--store',
      `sqlite:${join(work, `${identity}.sqlite`)}`,
      ...extra,
    ],
    { cwd: work, env: { ...process.env, KUBECONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c) => (out += c));
  child.stderr?.on('data', (c) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, out: () => out, exited, events };
}

/**
 * Resolves once `r` has done what `done` checks, looked at on every line it prints and every change
 * of its events file (events, not time); rejects with its output if it exits first.
 */
function until(what: string, r: Replica, done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(work, () => check());
    const stop = () => {
      watcher.close();
      r.child.stdout?.off('data', check);
      r.child.stderr?.off('data', check);
      r.child.off('exit', exited);
    };
    function check() {
      if (!done()) return;
      stop();
      resolve();
    }
    function exited() {
      stop();
      reject(new Error(`waiting for ${what}: the replica exited first; it printed:\n${r.out()}`));
    }
    r.child.stdout?.on('data', check);
    r.child.stderr?.on('data', check);
    r.child.on('exit', exited);
    check();
  });
}

const converged = (r: Replica) => () =>
  existsSync(r.events) && readFileSync(r.events, 'utf8').includes('"type":"ConvergeCompleted"');

describe('converge run --leader-election', () => {
  it('one replica converges, the other stands by naming it, and takes over when the leader stops', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'kubeconfig'));
    const a = replica('replica-a', kubeconfig);
    await until('replica-a converged', a, converged(a));
    const b = replica('replica-b', kubeconfig);
    await until('replica-b standing by', b, () => b.out().includes('standing by'));
    expect(b.out()).toContain('"holder":"replica-a"');
    expect(existsSync(b.events) && readFileSync(b.events, 'utf8').includes('ModuleRunStarted')).toBe(false);
    const lease = server.cluster.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'default',
      name: 'addon-operator-leader-election',
    });
    expect((lease as unknown as { spec: { holderIdentity: string } }).spec.holderIdentity).toBe('replica-a');

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(143);
    // The leader released the lease on its way out (its 2 s would not have expired yet).
    const after = server.cluster.get({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: 'default',
      name: 'addon-operator-leader-election',
    });
    expect(['', 'replica-b']).toContain(
      (after as unknown as { spec: { holderIdentity: string } }).spec.holderIdentity,
    );
    await until('replica-b converged', b, converged(b));
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(143);
  });

  it('needs --cluster kube', async () => {
    const r = spawn(bin, ['run', modules, '--leader-election', '--once'], {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    r.stderr.on('data', (c) => (err += c));
    const code = await new Promise<number | null>((res) => r.on('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(err).toContain('--leader-election needs --cluster kube');
  });
});
