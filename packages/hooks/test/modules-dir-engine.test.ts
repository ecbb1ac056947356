import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryCluster } from '@converge/cluster-memory';
import { type ConfigDocument, type ReleaseExecutor, replay } from '@converge/core';
import { InMemoryReleaseStore } from '@converge/helm';
import type { ConvergeEvent } from '@converge/protocol';
import {
  createEngine,
  type Engine,
  MemoryLogger,
  MemoryMetrics,
  seededRandom,
  VirtualClock,
} from '@converge/runtime';
import { CodeHookRunner, MemoryConfigSource } from '@converge/testing';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModulesDir } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const e2eDir = join(fixtures, 'modules-e2e');

beforeAll(() => {
  for (const m of ['020-scripted-off', '040-scripted-on']) chmodSync(join(e2eDir, m, 'enabled'), 0o755);
});

interface Running {
  engine: Engine;
  cluster: InMemoryCluster;
  releases: InMemoryReleaseStore;
  config: MemoryConfigSource;
  dump: string;
  settle(): Promise<void>;
}

let running: Running | undefined;
afterEach(async () => {
  if (!running) return;
  await running.engine.stop();
  rmSync(running.dump, { recursive: true, force: true });
  running = undefined;
});

/** An engine like the test kit's, with the modules-directory source and no hooks. */
async function startEngine(config: ConfigDocument = {}, modulesDir = e2eDir): Promise<Running> {
  const dump = mkdtempSync(join(tmpdir(), 'converge-e2e-dump-'));
  const source = await loadModulesDir(modulesDir, {
    env: { passthrough: ['DUMP_DIR'] },
    baseEnv: { ...process.env, DUMP_DIR: dump },
  });
  const cluster = new InMemoryCluster();
  const releases = new InMemoryReleaseStore({
    cluster,
    namespace: 'default',
    charts: (module: string) => source.chartDir(module),
  });
  const configSource = new MemoryConfigSource(config);
  const engine = createEngine({
    hooks: new CodeHookRunner([], new Map()),
    modules: source,
    releases: releases as ReleaseExecutor,
    cluster,
    config: configSource,
    clock: new VirtualClock('2026-01-01T00:00:00Z'),
    random: seededRandom(1),
    logger: new MemoryLogger(),
    metrics: new MemoryMetrics(),
  });
  const settle = async () => {
    for (;;) {
      await cluster.quiesce();
      await new Promise<void>((r) => setImmediate(r));
      if (!engine.isIdle()) await firstValueFrom(engine.idle$.pipe(filter((idle) => idle)));
      await cluster.quiesce();
      await new Promise<void>((r) => setImmediate(r));
      if (engine.isIdle()) return;
    }
  };
  running = { engine, cluster, releases, config: configSource, dump, settle };
  await engine.start();
  await settle();
  return running;
}

const ofType = (events: readonly ConvergeEvent[], type: string) =>
  events.filter((e) => e.type === type) as (ConvergeEvent & Record<string, unknown>)[];

describe('createEngine with the modules-directory source', () => {
  it('AO-89 AO-91 enables by values.yaml flags and enabled scripts, applies CRDs and installs the chart', async () => {
    const t = await startEngine();
    const events = t.engine.events;
    expect(ofType(events, 'ModuleEnabled').map((e) => e.module)).toEqual(['charted', 'scripted-on']);
    expect(
      ofType(events, 'ModuleReady')
        .map((e) => e.module)
        .sort(),
    ).toEqual(['charted', 'scripted-on']);
    expect(ofType(events, 'ModuleFailed')).toEqual([]);
    expect(ofType(events, 'ModulesPlanned')[0]).toMatchObject({ enabled: ['charted', 'scripted-on'] });

    // The chart came from the module directory; modules without a chart install nothing.
    expect(t.releases.releases().map((r) => r.name)).toEqual(['charted']);
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'charted-marker' }),
    ).toMatchObject({ data: { source: 'modules-dir' } });
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'static-off-marker' }),
    ).toBe(undefined);
    // crds/ of the enabled module were applied.
    expect(
      t.cluster.get({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        name: 'widgets.example.com',
      }),
    ).toBeDefined();

    // Static values, config-schema defaults and the global section reach the module's values.
    expect(t.engine.core.values.moduleValues('charted')).toEqual({ greeting: 'hello', replicas: 2 });
    expect(t.engine.core.values.globalValues()).toEqual({ clusterName: 'e2e' });

    // AO-89: the enabled script of a later module sees the modules enabled before it.
    const seen = JSON.parse(readFileSync(join(t.dump, 'scripted-on-values.json'), 'utf8'));
    expect(seen.global).toEqual({ clusterName: 'e2e', enabledModules: ['charted'] });
    expect(seen.scriptedOn).toEqual({});
    expect(replay(events)).toEqual(t.engine.state);
  });

  it('AO-91 the ConfigMap flag overrides the values.yaml flag; the config schema guards the section', async () => {
    const t = await startEngine({ staticOffEnabled: true, chartedEnabled: false });
    expect(ofType(t.engine.events, 'ModuleEnabled').map((e) => e.module)).toEqual([
      'static-off',
      'scripted-on',
    ]);
    expect(t.releases.releases().map((r) => r.name)).toEqual(['static-off']);

    await expect(startEngineAgain({ charted: { replicas: 'three' } })).rejects.toThrow(
      'module charted: config values: /replicas: must be integer',
    );
  });

  it('AO-90 a bad enabled result fails discovery with an error naming the script, and the converge retries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'converge-e2e-modules-'));
    try {
      cpSync(e2eDir, dir, { recursive: true });
      const bad = join(dir, '040-scripted-on', 'enabled');
      writeFileSync(bad, '#!/usr/bin/env bash\nprintf "True\\n" > "$MODULE_ENABLED_RESULT"\n', {
        mode: 0o755,
      });
      const t = await startEngine({}, dir);
      const failed = ofType(t.engine.events, 'DiscoveryFailed');
      expect(failed).toEqual([
        expect.objectContaining({
          module: 'scripted-on',
          error: expect.stringContaining(
            `enabled script ${bad} of module scripted-on: bad enabled result "True\\n"`,
          ),
        }),
      ]);
      expect(ofType(t.engine.events, 'ModuleReady')).toEqual([]);
      expect(ofType(t.engine.events, 'RetryScheduled')).toEqual([expect.objectContaining({ queue: 'main' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Starts a second engine (stopping the first) and returns its start() result. */
async function startEngineAgain(config: ConfigDocument): Promise<Running> {
  if (running) {
    await running.engine.stop();
    rmSync(running.dump, { recursive: true, force: true });
    running = undefined;
  }
  return startEngine(config);
}
