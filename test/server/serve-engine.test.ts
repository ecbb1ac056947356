import { InMemoryCluster } from '@converge/cluster-memory';
import { createEngine, nullMetrics } from '@converge/runtime';
import { type EngineServer, ListenError, serveEngine } from '@converge/server';
import { CodeHookRunner, CodeModuleSource, createTestEngine, type TestEngine } from '@converge/testing';
import { filter, firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

describe('serveEngine for createEngine embedders', () => {
  let t: TestEngine;
  let server: EngineServer;
  beforeAll(async () => {
    t = await createTestEngine({ modules: [{ name: 'echo' }] });
    server = await serveEngine(t.engine, { listen: '127.0.0.1:0' });
  });
  afterAll(async () => {
    await server?.close();
    await t?.stop();
  });

  it('AO-22 /readyz answers 500 before the first converge and 200 after it; /healthz is always 200', async () => {
    const before = await fetch(`${server.url}/readyz`);
    expect(before.status).toBe(500);
    expect(await before.text()).toBe('Startup converge in progress\n');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await t.start();
    const after = await fetch(`${server.url}/readyz`);
    expect(after.status).toBe(200);
    expect(await after.text()).toBe('Startup converge done.\n');
    expect(await (await fetch(`${server.url}/status/converge`)).text()).toBe(
      'STARTUP_CONVERGE_DONE\nCONVERGE_WAIT_TASK\n',
    );
    expect(await (await fetch(`${server.url}/status/converge?output=json`)).json()).toEqual({
      CONVERGE_IN_PROGRESS: 0,
      CONVERGE_WAIT_TASK: true,
      STARTUP_CONVERGE_DONE: true,
      STARTUP_CONVERGE_IN_PROGRESS: 0,
      STARTUP_CONVERGE_NOT_STARTED: false,
    });
  });

  it('an unknown path is a 404 naming it', async () => {
    const res = await fetch(`${server.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('/nope');
  });

  it('a port in use is a ListenError naming the address', async () => {
    const port = Number(new URL(server.url).port);
    const err = await serveEngine(t.engine, { listen: `127.0.0.1:${port}` }).catch((e) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).toContain('address already in use');
    // The failed attempt leaves nothing listening of its own: the first server still answers.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe('createEngine with its default metrics sink, then serveEngine', () => {
  const releases = {
    status: async () => undefined,
    list: async () => [],
    render: async () => ({ manifest: '', checksum: '', objects: [] }),
    upgrade: async () => ({ name: 'demo', namespace: 'default', status: 'deployed', revision: 1 }),
    uninstall: async () => undefined,
    absentResources: async () => [],
  };
  const build = (extra: { metrics?: typeof nullMetrics } = {}) =>
    createEngine({
      hooks: new CodeHookRunner(
        [],
        new Map([['demo', [{ name: 'hooks/a', config: { configVersion: 'v1', beforeHelm: 1 } }]]]),
      ),
      modules: new CodeModuleSource([{ name: 'demo' }]),
      releases,
      cluster: new InMemoryCluster(),
      ...extra,
    });
  const converged = (engine: ReturnType<typeof build>) =>
    firstValueFrom(engine.events$.pipe(filter((e) => e.type === 'ConvergeCompleted')));

  it("one call serves addon-operator's metrics of an engine created without a sink", async () => {
    const engine = build();
    const server = await serveEngine(engine, { listen: '127.0.0.1:0' });
    try {
      const done = converged(engine);
      await engine.start();
      await done;
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).toContain('addon_operator_convergence_total{activation="OperatorStartup"} 1');
      expect(text).toMatch(
        /addon_operator_module_hook_run_seconds_count\{module="demo",hook="hooks\/a",binding="beforeHelm",queue="main",activation="OperatorStartup"\} 1/,
      );
    } finally {
      await server.close();
      await engine.stop();
    }
  });

  it('an engine given nullMetrics serves an empty /metrics', async () => {
    const engine = build({ metrics: nullMetrics });
    const server = await serveEngine(engine, { listen: '127.0.0.1:0' });
    try {
      const res = await fetch(`${server.url}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    } finally {
      await server.close();
      await engine.stop();
    }
  });
});
