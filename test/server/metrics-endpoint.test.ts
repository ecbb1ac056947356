import { PrometheusMetrics } from '@converge/runtime';
import { type EngineServer, serveEngine } from '@converge/server';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallLog, failTimes, hook, markerChart, retryDelays } from '../support/recorder.js';
import { labelNamesOf, parseExposition, sample } from './prometheus-text.js';

const P = 'addon_operator_';
const CRON = '*/5 * * * *';

/**
 * One engine, served: a global onStartup hook, module `demo` whose beforeHelm hook fails once and
 * writes a hook metric, and a schedule hook that fails once. Readiness is sampled at every event.
 */
describe('addon-operator metrics on /metrics after a failing hook and a retry', () => {
  let t: TestEngine;
  let server: EngineServer;
  const readyAt: { type: string; ready: boolean }[] = [];
  let readyzDuringRetry = 0;
  const statusSeen: string[] = [];
  const status = async () => statusSeen.push(await (await fetch(`${server.url}/status/converge`)).text());
  beforeAll(async () => {
    const log = new CallLog();
    t = await createTestEngine({
      metrics: new PrometheusMetrics(P),
      globalHooks: [
        hook(log, '010-startup.sh', { onStartup: 1 }),
        hook(log, 'watch.sh', { kubernetes: [{ name: 'cms', apiVersion: 'v1', kind: 'ConfigMap' }] }),
      ],
      modules: [
        {
          name: 'demo',
          chart: markerChart('demo'),
          hooks: [
            hook(log, 'hooks/flaky', { beforeHelm: 1 }, (_input, call) => {
              if (call === 1) throw new Error('exit status 3: boom');
              return { metrics: [{ name: 'demo_items', action: 'set', value: 3, labels: { kind: 'pod' } }] };
            }),
            hook(log, 'hooks/tick', { schedule: [{ crontab: CRON }] }, failTimes(1)),
          ],
        },
      ],
    });
    server = await serveEngine(t.engine, { listen: '127.0.0.1:0' });
    t.engine.events$.subscribe((e) => readyAt.push({ type: e.type, ready: t.engine.status().ready }));
    await status();
    await t.start();
    readyzDuringRetry = (await fetch(`${server.url}/readyz`)).status;
    await status();
    await t.advance(60_000);
    await status();
    await t.tick(CRON);
    await t.advance(60_000);
  });
  afterAll(async () => {
    await server?.close();
    await t?.stop();
  });

  it('AO-22 /readyz is 500 while the first converge waits on the retry and 200 from its ConvergeCompleted on', async () => {
    expect(readyzDuringRetry).toBe(500);
    expect(statusSeen).toEqual([
      'STARTUP_CONVERGE_NOT_STARTED\n',
      expect.stringMatching(/^STARTUP_CONVERGE_IN_PROGRESS: [1-9]\d* tasks\n$/),
      'STARTUP_CONVERGE_DONE\nCONVERGE_WAIT_TASK\n',
    ]);
    const completed = readyAt.findIndex((r) => r.type === 'ConvergeCompleted');
    expect(completed).toBeGreaterThan(0);
    expect(readyAt.slice(0, completed).every((r) => !r.ready)).toBe(true);
    expect(readyAt.slice(completed).every((r) => r.ready)).toBe(true);
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it("AO-43 AO-56 names, labels and values of addon-operator's metrics after a beforeHelm failure and its retry", async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parseExposition(await res.text());
    const startup = { activation: 'OperatorStartup' };
    const [delay] = retryDelays(t.events, 'demo');
    expect(delay).toBeGreaterThanOrEqual(5_000);
    // The first converge waited exactly the retry delay on the virtual clock.
    expect(m.get(sample(`${P}convergence_total`, startup))).toBe(1);
    expect(m.get(sample(`${P}convergence_seconds`, startup))).toBe((delay as number) / 1000);
    const beforeHelm = {
      module: 'demo',
      hook: 'hooks/flaky',
      binding: 'beforeHelm',
      queue: 'main',
      ...startup,
    };
    expect(m.get(sample(`${P}module_hook_run_seconds_count`, beforeHelm))).toBe(2);
    expect(m.get(sample(`${P}module_hook_run_seconds_bucket`, { ...beforeHelm, le: '0' }))).toBe(2);
    expect(m.get(sample(`${P}module_run_errors_total`, { module: 'demo' }))).toBe(1);
    expect(m.get(sample(`${P}module_run_seconds_count`, { module: 'demo', ...startup }))).toBe(2);
    expect(m.get(sample(`${P}module_helm_seconds_count`, { module: 'demo', ...startup }))).toBe(1);
    for (const operation of ['template', 'upgrade'])
      expect(
        m.get(sample(`${P}helm_operation_seconds_count`, { module: 'demo', operation, ...startup })),
      ).toBe(1);
    const onStartup = { hook: '010-startup.sh', binding: 'onStartup', queue: 'main', ...startup };
    expect(m.get(sample(`${P}global_hook_success_total`, onStartup))).toBe(1);
    expect(m.get(sample(`${P}global_hook_run_seconds_count`, onStartup))).toBe(1);
    // A schedule run after startup: activation "", one error then one success (ModuleHookRun outcomes).
    const tick = { module: 'demo', hook: 'hooks/tick', binding: 'schedule', queue: 'main', activation: '' };
    expect(m.get(sample(`${P}module_hook_errors_total`, tick))).toBe(1);
    expect(m.get(sample(`${P}module_hook_success_total`, tick))).toBe(1);
    expect(m.get(sample(`${P}binding_count`, { module: 'demo', hook: 'hooks/flaky' }))).toBe(1);
    expect(m.get(sample(`${P}binding_count`, { module: '', hook: '010-startup.sh' }))).toBe(1);
    expect(m.get(sample(`${P}mm_module_info`, { module: 'demo', enabled: 'true', critical: 'true' }))).toBe(
      1,
    );
    expect(m.get(sample(`${P}tasks_queue_length`, { queue: 'main' }))).toBe(0);
    // The chart's ConfigMap is the one object the global hook's binding holds.
    const cms = { module: '', hook: 'watch.sh', binding: 'cms', queue: 'main', kind: 'ConfigMap' };
    expect(m.get(sample(`${P}kube_snapshot_objects`, cms))).toBe(1);
    expect(m.get(sample(`${P}live_ticks`))).toBeGreaterThanOrEqual(1);
    const waited = m.get(
      sample(`${P}task_wait_in_queue_seconds_total`, {
        module: 'demo',
        hook: '',
        binding: 'ModuleRun',
        queue: 'main',
      }),
    );
    expect(waited).toBe((delay as number) / 1000);
    // Every family carries exactly addon-operator's label names.
    const exact: Record<string, string[]> = {
      module_hook_run_seconds_count: ['activation', 'binding', 'hook', 'module', 'queue'],
      global_hook_run_seconds_count: ['activation', 'binding', 'hook', 'queue'],
      module_run_seconds_count: ['activation', 'module'],
      helm_operation_seconds_count: ['activation', 'module', 'operation'],
      task_wait_in_queue_seconds_total: ['binding', 'hook', 'module', 'queue'],
      tasks_queue_head_info: ['hook', 'module', 'queue', 'task_type'],
    };
    for (const [name, labels] of Object.entries(exact))
      for (const seen of labelNamesOf(m, `${P}${name}`)) expect(seen, name).toEqual(labels);
    // Counters without labels are exported from the start.
    expect(m.get(sample(`${P}config_values_errors_total`))).toBe(0);
    expect(m.get(sample(`${P}modules_discover_errors_total`))).toBe(0);
  });

  it('hook-defined metrics are on /metrics/hooks only, without the prefix, with hook and module labels', async () => {
    const hooks = parseExposition(await (await fetch(`${server.url}/metrics/hooks`)).text());
    expect(hooks.get(sample('demo_items', { kind: 'pod', hook: 'hooks/flaky', module: 'demo' }))).toBe(3);
    const main = await (await fetch(`${server.url}/metrics`)).text();
    expect(main).not.toContain('demo_items');
  });
});
