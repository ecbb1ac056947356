import { type EngineServer, ListenError, serveEngine } from '@converge/server';
import { createTestEngine, type TestEngine } from '@converge/testing';
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
