import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfigError, KubeConfigMapSource, loadKubeConfig } from '@converge/kube';
import { ConfigMapDataError } from '@converge/kube-model';
import type { KubeObject } from '@converge/protocol';
import { type KubeApiServer, startKubeApiServer } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

const REF = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'd8-system', name: 'addon-operator' };
const configMap = (data: Record<string, string>): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'addon-operator', namespace: 'd8-system' },
    data,
  }) as KubeObject;
const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd8-system' } };

let server: KubeApiServer | undefined;
let source: KubeConfigMapSource | undefined;
afterEach(async () => {
  source?.close();
  await server?.close();
  server = source = undefined;
});

async function open(objects: KubeObject[] = [namespace]) {
  server = await startKubeApiServer({ objects });
  const kubeconfig = server.writeKubeconfig(join(mkdtempSync(join(tmpdir(), 'converge-cm-')), 'config'));
  source = new KubeConfigMapSource(loadKubeConfig({ kubeconfig }), {
    namespace: 'd8-system',
    onWatchError: () => {},
    watchRetryDelayMs: 50,
  });
  return { server, source };
}

/** Items pushed by a callback; `count(n)` resolves once n have arrived (an event, not a time). */
class Collected<T> {
  readonly items: T[] = [];
  private wake: () => void = () => {};
  readonly push = (item: T) => {
    this.items.push(item);
    this.wake();
  };
  async count(n: number): Promise<void> {
    while (this.items.length < n)
      await new Promise<void>((r) => {
        this.wake = r;
      });
  }
}

describe('KubeConfigMapSource', () => {
  it('addon-operator pkg/kube_config_manager/backend/configmap/configmap.go loads the addon-operator ConfigMap: sections as YAML, <m>Enabled as booleans', async () => {
    const { source } = await open([
      namespace,
      configMap({
        global: 'a: 1\n',
        myModule: 'x:\n  y: true\n',
        myModuleEnabled: 'false',
        otherMaintenance: 'NoResourceReconciliation',
      }),
    ]);
    expect(await source.load()).toEqual({
      global: { a: 1 },
      myModule: { x: { y: true } },
      myModuleEnabled: false,
      otherMaintenance: 'NoResourceReconciliation',
    });
  });

  it('an absent ConfigMap is {}', async () => {
    const { source } = await open();
    expect(await source.load()).toEqual({});
  });

  it('an invalid ConfigMap rejects with ConfigMapDataError naming namespace/name and the key', async () => {
    const { source } = await open([namespace, configMap({ myModuleEnabled: 'maybe' })]);
    const error = await source.load().catch((e) => e);
    expect(error).toBeInstanceOf(ConfigMapDataError);
    expect(error.message).toBe(
      'ConfigMap d8-system/addon-operator: data.myModuleEnabled: must be "true" or "false", got "maybe"',
    );
  });

  it('watch reports changes; an invalid version goes to onInvalid and the last valid config stays', async () => {
    const { server, source } = await open([namespace, configMap({ global: 'a: 1\n' })]);
    await source.load();
    const changes = new Collected<unknown>();
    const invalid = new Collected<Error>();
    source.watch(changes.push, invalid.push);
    // No wait for the watch to start: a change before its first list is reported from that list.
    server.cluster.put(configMap({ global: 'a: 2\n' }));
    await changes.count(1);
    expect(changes.items).toEqual([{ global: { a: 2 } }]);
    server.cluster.put(configMap({ global: '[unclosed' }));
    await invalid.count(1);
    expect(invalid.items[0]).toBeInstanceOf(ConfigMapDataError);
    expect(invalid.items[0].message).toMatch(
      /^ConfigMap d8-system\/addon-operator: data\.global: invalid YAML/,
    );
    server.cluster.put(configMap({ global: 'a: 2\n', xEnabled: 'true' }));
    await changes.count(2);
    expect(changes.items[1]).toEqual({ global: { a: 2 }, xEnabled: true });
    server.cluster.remove(REF);
    await changes.count(3);
    expect(changes.items[2]).toEqual({});
  });

  it('save writes one data key (camelCase of the section), creating the ConfigMap when absent; undefined removes it', async () => {
    const { server, source } = await open();
    await source.load();
    await source.save('my-module', { replicas: 2 });
    expect(server.cluster.get(REF)?.data).toEqual({ myModule: 'replicas: 2\n' });
    await source.save('global', { a: { b: 'c' } });
    expect(server.cluster.get(REF)?.data).toEqual({ myModule: 'replicas: 2\n', global: 'a:\n  b: c\n' });
    await source.save('my-module', undefined);
    expect(server.cluster.get(REF)?.data).toEqual({ global: 'a:\n  b: c\n' });
    expect(await source.load()).toEqual({ global: { a: { b: 'c' } } });
  });

  it('save of undefined with no ConfigMap creates nothing', async () => {
    const { server, source } = await open();
    await source.save('global', undefined);
    expect(server.cluster.get(REF)).toBeUndefined();
  });
});

describe('loadKubeConfig', () => {
  const dir = () => mkdtempSync(join(tmpdir(), 'converge-kc-'));

  it('a missing file names the path', () => {
    const path = join(dir(), 'nope');
    expect(() => loadKubeConfig({ kubeconfig: path })).toThrow(
      new KubeConfigError(`cannot read kubeconfig ${path}: no such file`, path),
    );
  });

  it('an invalid file names the path', () => {
    const path = join(dir(), 'config');
    writeFileSync(path, 'clusters: [{name: c\n  - broken');
    expect(() => loadKubeConfig({ kubeconfig: path })).toThrow(`invalid kubeconfig ${path}: `);
  });

  it('an unknown context is named with the available ones; a known one is switched to', async () => {
    server = await startKubeApiServer();
    const path = server.writeKubeconfig(join(dir(), 'config'), { context: 'ctx-a', namespace: 'ns-a' });
    const error = (() => {
      try {
        loadKubeConfig({ kubeconfig: path, context: 'ctx-x' });
      } catch (e) {
        return e as KubeConfigError;
      }
    })();
    expect(error).toBeInstanceOf(KubeConfigError);
    expect(error?.message).toBe(`kubeconfig ${path}: no context "ctx-x"; available contexts: ctx-a`);
    expect(error?.context).toBe('ctx-x');
    const config = loadKubeConfig({ kubeconfig: path, context: 'ctx-a' });
    expect(config.getCurrentContext()).toBe('ctx-a');
    expect(config.getCurrentCluster()?.server).toBe(server.url);
  });

  it('KUBECONFIG (a path list) and ~/.kube/config are the defaults; nothing found names where it looked', () => {
    const a = join(dir(), 'a');
    writeFileSync(
      a,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: one, context: {cluster: c, user: u}}]\ncurrent-context: one\n',
    );
    const missing = join(dir(), 'missing');
    expect(loadKubeConfig({ env: { KUBECONFIG: `${missing}:${a}` } }).getCurrentContext()).toBe('one');
    expect(() => loadKubeConfig({ env: { KUBECONFIG: missing } })).toThrow(
      `KUBECONFIG names ${missing}, none of them readable`,
    );
    const home = dir();
    expect(() => loadKubeConfig({ env: { HOME: home } })).toThrow(
      `no kubeconfig found: looked at ${join(home, '.kube', 'config')}`,
    );
  });
});
