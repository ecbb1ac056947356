import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';

/**
 * The private kubeconfig copy of `--cluster kube` (0600 in a 0700 dir) is removed on every exit the
 * process sees: SIGTERM to `converge run`, a normal exit without close, an uncaught error.
 */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const target = pathToFileURL(join(root, 'packages', 'cli', 'dist', 'cluster-target.js')).href;
const work = mkdtempSync(join(tmpdir(), 'converge-cli-kcopy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let server: KubeApiServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A fresh TMPDIR for one child, and the kubeconfig copies in it. */
function tempRoot(name: string) {
  const dir = join(work, name);
  mkdirSync(dir);
  return { dir, copies: () => readdirSync(dir).filter((n) => n.startsWith('converge-kube-')) };
}

describe('the kubeconfig copy of --cluster kube', () => {
  it('is 0600 in a 0700 dir while converge run runs, and gone after SIGTERM', async () => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, 'kubeconfig'));
    const tmp = tempRoot('sigterm');
    const modules = join(root, 'examples', 'quickstart', 'modules');
    const child = spawn(bin, ['run', modules, '--cluster', 'kube', '--kubeconfig', kubeconfig, '--json'], {
      cwd: work,
      env: { ...process.env, KUBECONFIG: '', TMPDIR: tmp.dir },
    });
    let out = '';
    const converging = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('"msg":"converging"')) resolve();
      }),
    );
    await converging;
    const [copy] = tmp.copies();
    expect(copy).toMatch(/^converge-kube-\d+-\d+-[A-Za-z0-9]{6}$/);
    expect(statSync(join(tmp.dir, copy as string)).mode & 0o777).toBe(0o700);
    expect(statSync(join(tmp.dir, copy as string, 'kubeconfig')).mode & 0o777).toBe(0o600);
    const exit = once(child, 'exit');
    child.kill('SIGTERM');
    await exit;
    expect(tmp.copies()).toEqual([]);
  });

  it.each([
    ['a normal exit without close', 'process.exitCode = 0;', 0],
    ['an uncaught error', "throw new Error('boom');", 1],
  ])('is gone after %s', async (_what, ending, code) => {
    server = await startKubeApiServer();
    const kubeconfig = server.writeKubeconfig(join(work, `kubeconfig-${code}`));
    const tmp = tempRoot(`exit-${code}`);
    const script = join(work, `open-target-${code}.mjs`);
    writeFileSync(
      script,
      [
        `import { openClusterTarget } from ${JSON.stringify(target)};`,
        `const t = openClusterTarget({ cluster: 'kube', kubeconfig: ${JSON.stringify(kubeconfig)}, namespace: 'default',`,
        '  charts: () => undefined, jq: { close() {} }, logger: { info() {}, warn() {}, debug() {}, error() {}, child() { return this; } } });',
        'console.log(t.hookBaseEnv.KUBECONFIG);',
        // KubeCluster and the ConfigMap watch hold no handle until used; the process ends here.
        ending,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, TMPDIR: tmp.dir } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const [exitCode] = (await once(child, 'exit')) as [number];
    expect(exitCode).toBe(code);
    expect(out.trim()).toMatch(new RegExp(`/converge-kube-${child.pid}-\\d+-[A-Za-z0-9]{6}/kubeconfig$`));
    expect(tmp.copies()).toEqual([]);
  });
});
