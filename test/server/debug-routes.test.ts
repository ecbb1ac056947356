import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EngineServer, ListenError, serveEngine } from '@converge/server';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CallLog, hook, markerChart } from '../support/recorder.js';

/** GET `path` over the unix socket. */
function get(socket: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject).end();
  });
}

/**
 * The debug socket of an engine whose module `demo` keeps failing in beforeHelm: the main queue
 * sleeps on its retry. A global kubernetes hook watches ConfigMaps.
 */
describe("addon-operator's debug routes on the unix socket", () => {
  const dir = mkdtempSync(join(tmpdir(), 'converge-debug-'));
  const socket = join(dir, 'debug.socket');
  let t: TestEngine;
  let server: EngineServer;
  beforeAll(async () => {
    const log = new CallLog();
    t = await createTestEngine({
      config: { global: { owner: 'me' }, demo: { size: 2 } },
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'seen', namespace: 'default' } }],
      globalHooks: [
        hook(log, 'watch.sh', { kubernetes: [{ name: 'cms', apiVersion: 'v1', kind: 'ConfigMap' }] }),
      ],
      modules: [
        {
          name: 'demo',
          values: { size: 1, color: 'blue' },
          chart: markerChart('demo'),
          hooks: [
            hook(log, 'hooks/fail', { beforeHelm: 1 }, () => {
              throw new Error('exit status 3: boom');
            }),
          ],
        },
      ],
    });
    server = await serveEngine(t.engine, { debugSocket: socket });
    await t.start();
  });
  afterAll(async () => {
    await server?.close();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and lists its routes on /discovery; only the debug socket is served', async () => {
    expect(server.url).toBe('');
    expect(await get(socket, '/')).toMatchObject({ status: 200, body: 'debug endpoint is alive\n' });
    const discovery = await get(socket, '/discovery');
    expect(discovery.body).toContain('/queue/list.{json,yaml,text}[?showEmpty=true]');
    expect(discovery.body).toContain('/module/{name}/{config,values}.{json,yaml}[?global=true]');
    expect((await get(socket, '/module/list.xml')).status).toBe(404);
  });

  it('a socket another server answers on is not taken over: a ListenError naming it, the first server intact', async () => {
    const err = await serveEngine(t.engine, { debugSocket: socket }).catch((e) => e);
    expect(err).toBeInstanceOf(ListenError);
    expect(err.message).toBe(`cannot listen on ${socket}: another process serves this debug socket`);
    expect((await get(socket, '/')).status).toBe(200);
  });

  it('the main queue shows the failing ModuleRun at its head, sleeping on its retry, in text, json and yaml', async () => {
    const text = await get(socket, '/queue/main.text');
    expect(text.type).toContain('text/plain');
    expect(text.body).toMatch(
      /^Queue 'main': length \d+, status: 'sleep for \d+s after a failure'\n\n 1\. ModuleRun:main:demo, failures 1: /,
    );
    expect(text.body).toContain('boom');
    const json = await get(socket, '/queue/main.json');
    expect(json.type).toBe('application/json');
    const dump = JSON.parse(json.body) as {
      name: string;
      tasksCount: number;
      tasks: { index: number; description: string }[];
    };
    expect(dump.tasks[0]).toMatchObject({
      index: 1,
      description: expect.stringMatching(/^ModuleRun:main:demo/),
    });
    expect(dump.tasksCount).toBe(dump.tasks.length);
    expect(parse((await get(socket, '/queue/main.yaml')).body)).toEqual(dump);
    const list = await get(socket, '/queue/list.text');
    expect(list.body).toContain(
      `- 'main' queue: ${dump.tasksCount} task${dump.tasksCount === 1 ? '' : 's'}.`,
    );
    const listJson = JSON.parse((await get(socket, '/queue/list.json?showEmpty=true')).body);
    expect(listJson.active[0].name).toBe('main');
    expect(listJson.summary).toMatchObject({
      mainQueueTasks: dump.tasksCount,
      totalTasks: expect.any(Number),
    });
  });

  it('global hooks, values, config and the kubernetes hook snapshots', async () => {
    expect(JSON.parse((await get(socket, '/global/list.json')).body)).toEqual({ globalHooks: ['watch.sh'] });
    expect(JSON.parse((await get(socket, '/global/config.json')).body)).toEqual({ owner: 'me' });
    expect(JSON.parse((await get(socket, '/global/values.json')).body)).toMatchObject({ owner: 'me' });
    const snapshots = parse((await get(socket, '/global/snapshots.yaml')).body) as Record<
      string,
      Record<string, unknown[]>
    >;
    expect(Object.keys(snapshots)).toEqual(['watch.sh']);
    expect(snapshots['watch.sh']?.cms).toHaveLength(1);
    const one = JSON.parse((await get(socket, '/hook/watch.sh/snapshots.json')).body) as Record<
      string,
      unknown[]
    >;
    expect(one.cms).toHaveLength(1);
  });

  it('module values and config, alone and with global; an unknown module is a 404 naming it', async () => {
    expect(JSON.parse((await get(socket, '/module/demo/values.json')).body)).toEqual({
      size: 2,
      color: 'blue',
    });
    expect(JSON.parse((await get(socket, '/module/demo/config.json')).body)).toEqual({ size: 2 });
    expect(parse((await get(socket, '/module/demo/config.yaml?global=true')).body)).toEqual({
      global: { owner: 'me' },
      demo: { size: 2 },
    });
    expect(JSON.parse((await get(socket, '/module/list.json')).body)).toEqual({ enabledModules: ['demo'] });
    expect(JSON.parse((await get(socket, '/hook/list.json')).body)).toEqual(['watch.sh', 'demo/hooks/fail']);
    const unknown = await get(socket, '/module/nope/values.json');
    expect(unknown).toMatchObject({ status: 404, body: 'module not found: nope\n' });
    const noHook = await get(socket, '/hook/hooks%2Fnope/snapshots.json?module=demo');
    expect(noHook.status).toBe(400);
    expect(noHook.body).toContain("hook 'hooks/nope' does not exist in module demo");
  });
});
