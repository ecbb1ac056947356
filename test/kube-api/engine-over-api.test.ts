import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '@converge/core';
import { extractedBinary, HelmCliReleaseExecutor } from '@converge/helm';
import { JqProcessEngine, jqPatchFunction, loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { KubeCluster, KubeConfigMapSource, loadKubeConfig } from '@converge/kube';
import { createEngine, createLogger, type Engine, VirtualClock } from '@converge/runtime';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { merge, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { observableState } from '../support/recorder.js';

/**
 * The engine as an operator author embeds it against a real cluster: KubeCluster, the helm CLI
 * executor and the addon-operator ConfigMap, here against the test API server, with the bash
 * fixture hooks of test/shell (they log each call to calls.log).
 */

const fixture = join(import.meta.dirname, '..', 'fixtures', 'shell-modules');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * Resolves once `check` holds, re-checked on every event the engine appends and every change of its
 * activity (busy/idle): a wait for events, not for time (the test's timeout ends a wait that never does).
 */
function until(engine: Engine, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    let subscription: Subscription | undefined;
    const test = () => {
      if (done || !check()) return;
      done = true;
      subscription?.unsubscribe();
      resolve();
    };
    subscription = merge(engine.events$, engine.activity$).subscribe(test);
    if (done) subscription.unsubscribe();
    test();
  });
}

async function operator(
  helm: 'helm3' | 'helm4',
  clock?: VirtualClock,
  modulesFixture = join(fixture, 'modules'),
  configData: Record<string, string> = { bEnabled: 'false' },
) {
  const root = mkdtempSync(join(tmpdir(), 'converge-kube-engine-'));
  cleanups.push(() => rmSync(root, { recursive: true, force: true }));
  cpSync(modulesFixture, join(root, 'modules'), { recursive: true });
  const server: KubeApiServer = await startKubeApiServer();
  cleanups.push(() => server.close());
  server.cluster.put({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'addon-operator', namespace: 'default' },
    data: configData,
  });
  const kubeconfig = server.writeKubeconfig(join(root, 'kubeconfig'));
  const kubeConfig = loadKubeConfig({ kubeconfig });
  const jq = new JqProcessEngine();
  const source = await loadModulesDir(join(root, 'modules'));
  const cluster = new KubeCluster(kubeConfig, { jq: jqPatchFunction(jq) });
  const config = new KubeConfigMapSource(kubeConfig, { namespace: 'default' });
  const engine: Engine = createEngine({
    modules: source,
    hooks: new ProcessHookRunner({ moduleHooksDir: (m: string) => source.hooksDir(m), jq }),
    releases: new HelmCliReleaseExecutor({
      helm: extractedBinary(helm),
      env: { PATH: process.env.PATH ?? '', HOME: root },
      kubeconfig,
      namespace: 'default',
      charts: (m) => source.chartDir(m),
      cluster,
    }),
    cluster,
    config,
    jq,
    logger: createLogger({ level: 'silent' }),
    ...(clock ? { clock } : {}),
  });
  cleanups.push(async () => {
    await engine.stop();
    cluster.close();
    config.close();
    jq.close();
  });
  const calls = () =>
    existsSync(join(root, 'calls.log'))
      ? readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean)
      : [];
  return { server, engine, calls };
}

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };

describe('the engine against a Kubernetes API (test API server)', () => {
  for (const helm of ['helm3', 'helm4'] as const) {
    it(`AO-46 AO-49 AO-67 AO-68 with ${helm}: installs through helm, then a ConfigMap edit disables the module and beforeDeleteHelm sees the chart's object before uninstall`, async () => {
      const { server, engine, calls } = await operator(helm);
      await engine.start();
      await until(engine, () => engine.state.modules.a?.value === 'ready' && engine.isIdle());
      expect(calls().slice(0, 3)).toEqual([
        'a/startup:onStartup',
        'a/before:beforeHelm',
        'a/after:afterHelm',
      ]);
      expect(server.cluster.get(marker)).toBeDefined();
      expect(engine.state.enabled).toEqual(['a']);
      // AO-49: the afterHelm values patch re-runs the module; the manifest is unchanged, so helm's
      // stored moduleChecksum label (read back from the cluster for helm 3.17) makes it skip.
      const helmEvents = engine.events.filter(
        (e) => 'module' in e && e.module === 'a' && /^Helm(ReleaseUpgraded|UpgradeSkipped)$/.test(e.type),
      );
      expect(helmEvents.map((e) => e.type)).toEqual(['HelmReleaseUpgraded', 'HelmUpgradeSkipped']);

      // Edit the addon-operator ConfigMap through the API, as `kubectl edit` would.
      const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/addon-operator`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ data: { aEnabled: 'false' } }),
      });
      expect(res.status).toBe(200);
      await until(engine, () => engine.state.enabled.length === 0 && engine.isIdle());
      const deletion = calls().slice(calls().indexOf('a/bd2:beforeDeleteHelm'));
      expect(deletion).toEqual([
        'a/bd2:beforeDeleteHelm',
        'a/bd1:beforeDeleteHelm markers=["a-marker"]',
        'a/ad:afterDeleteHelm',
      ]);
      const uninstall = engine.events.findIndex(
        (e) => e.type === 'HelmReleaseUninstalled' && e.module === 'a',
      );
      const bd1 = engine.events.findIndex((e) => e.type === 'HookSucceeded' && e.hook === 'hooks/bd1.sh');
      expect(bd1).toBeGreaterThan(-1);
      expect(uninstall).toBeGreaterThan(bd1);
      expect(server.cluster.get(marker)).toBe(undefined);
      expect(
        server.cluster.listSync({
          apiVersion: 'v1',
          kind: 'Secret',
          labelSelector: { matchLabels: { owner: 'helm' } },
        }),
      ).toEqual([]);
      expect(observableState(replay(engine.events))).toEqual(observableState(engine.state));
    });
  }

  it("AO-64 over the API: a chart object deleted in the cluster is re-created after the resources monitor's check", async () => {
    // Engine timers on a virtual clock; helm, hooks and the API run in real time.
    const clock = new VirtualClock();
    const { server, engine } = await operator('helm3', clock);
    await engine.start();
    await until(engine, () => engine.state.modules.a?.value === 'ready' && engine.isIdle());
    const upgrades = () => engine.events.filter((e) => e.type === 'HelmReleaseUpgraded').length;
    const before = upgrades();
    const res = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/a-marker`, {
      method: 'DELETE',
    });
    expect(res.status).toBe(200);
    expect(server.cluster.get(marker)).toBe(undefined);
    // The monitor checks every 4m30s plus up to 59 s of jitter (addon-operator pkg/helm_resources_manager/): step 5m30s of engine time.
    const target = clock.now() + 330_000;
    while (clock.fireNext(target)) await until(engine, () => engine.isIdle());
    await until(engine, () => server.cluster.get(marker) !== undefined && engine.isIdle());
    expect(upgrades()).toBe(before + 1);
    const upgrade = engine.events.filter((e) => e.type === 'HelmReleaseUpgraded').at(-1);
    expect(upgrade).toMatchObject({ module: 'a', reason: 'absent' });
  });

  describe('examples/before-delete-cleanup on a Kubernetes API', () => {
    const example = join(import.meta.dirname, '..', '..', 'examples', 'before-delete-cleanup', 'modules');
    const widget = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      namespace: 'default',
      name: 'default-widget',
    };
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name: 'widgets.example.com',
    };

    async function disableWidgets(modules: string) {
      const { server, engine } = await operator('helm3', undefined, modules, {});
      await engine.start();
      await until(engine, () => engine.state.modules.widgets?.value === 'ready' && engine.isIdle());
      // EnsureCRDs created the definition before the hooks' kubernetes binding started; helm made the Widget.
      expect(server.cluster.get(crd)).toBeDefined();
      expect(server.cluster.get(widget)?.metadata.finalizers).toEqual(['example.com/cleanup']);
      await fetch(`${server.url}/api/v1/namespaces/default/configmaps/addon-operator`, {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ data: { widgetsEnabled: 'false' } }),
      });
      await until(engine, () => engine.state.enabled.length === 0 && engine.isIdle());
      return server;
    }

    it('AO-67 the beforeDeleteHelm hook drops the finalizers, so helm uninstall really deletes the Widget', async () => {
      const server = await disableWidgets(example);
      expect(server.cluster.get(widget)).toBe(undefined);
      // CRDs from crds/ stay, as addon-operator leaves them.
      expect(server.cluster.get(crd)?.metadata).not.toHaveProperty('deletionTimestamp');
    });

    it('without that hook the uninstalled Widget is left Terminating, held by its finalizer', async () => {
      const modules = mkdtempSync(join(tmpdir(), 'converge-no-cleanup-'));
      cleanups.push(() => rmSync(modules, { recursive: true, force: true }));
      cpSync(example, modules, { recursive: true });
      rmSync(join(modules, '010-widgets', 'hooks', 'remove-finalizers.sh'));
      const server = await disableWidgets(modules);
      expect(server.cluster.get(widget)?.metadata).toMatchObject({
        finalizers: ['example.com/cleanup'],
        deletionTimestamp: expect.any(String),
      });
    });
  });
});
