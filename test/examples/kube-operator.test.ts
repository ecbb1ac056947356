import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startKubeApiServer } from '@converge/testing';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const operator = join(root, 'examples', 'kube-operator', 'operator.mjs');

describe('examples/kube-operator', () => {
  it('converges its module into a Kubernetes API given by --kubeconfig, then stops with --once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'converge-kube-operator-'));
    const server = await startKubeApiServer();
    try {
      const kubeconfig = server.writeKubeconfig(join(dir, 'kubeconfig'));
      // Asynchronous: the API server answers from this process.
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [operator, '--kubeconfig', kubeconfig, '--once'],
        {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect(stdout).toContain('ModuleReady greeter');
      // The hook counted the four Namespaces every cluster starts with, and the chart rendered it.
      expect(stdout).toContain('converged: {"message":"hello","namespaces":"4"}');
      const cm = server.cluster.get({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'greeter',
      });
      expect(cm?.data).toEqual({ message: 'hello', namespaces: '4' });
      expect(
        server.cluster.get({
          apiVersion: 'v1',
          kind: 'Secret',
          namespace: 'default',
          name: 'sh.helm.release.v1.greeter.v1',
        }),
      ).toBeDefined();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
