import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import { replay } from '@converge/core';
import { createEngine, MemoryLogger, PrometheusMetrics } from '@converge/runtime';
import { CodeHookRunner, CodeModuleSource, createTestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { untilEvent } from './support/until-event.js';

const root = join(import.meta.dirname, '..');

describe('engine lifecycle and observability', () => {
  it('a script that calls stop() exits by itself', () => {
    const dir = mkdtempSync(join(root, 'node_modules', '.stop-probe-'));
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      [
        "import { createTestEngine } from '@converge/testing';",
        'const t = await createTestEngine({',
        "  modules: [{ name: 'a', chart: { 'templates/cm.yaml': 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: x\\n' },",
        "    hooks: [{ name: 'hooks/s', config: { configVersion: 'v1', schedule: [{ crontab: '* * * * *' }], kubernetes: [{ apiVersion: 'v1', kind: 'ConfigMap' }] } }] }],",
        '});',
        'await t.start();',
        'await t.advance(120_000);',
        'await t.stop();',
        "console.log('stopped', t.events.length > 0);",
      ].join('\n'),
    );
    const started = Date.now();
    const out = execFileSync(process.execPath, [script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(out.trim()).toBe('stopped true');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('logs use addon-operator field names and metrics use its names with the prefix', async () => {
    const logger = new MemoryLogger();
    const metrics = new PrometheusMetrics();
    const t = await createTestEngine({
      modules: [
        {
          name: 'a',
          hooks: [
            {
              name: 'hooks/b',
              config: { configVersion: 'v1', beforeHelm: 1 },
              run: (_i) => {
                throw new Error('boom');
              },
            },
          ],
        },
      ],
    });
    // A second engine over the same definitions, with the real logger and Prometheus sink.
    const engine = createEngine({
      hooks: new CodeHookRunner(
        [],
        new Map([
          [
            'a',
            [
              {
                name: 'hooks/b',
                config: { configVersion: 'v1', beforeHelm: 1 },
                run: () => {
                  throw new Error('boom');
                },
              },
            ],
          ],
        ]),
      ),
      modules: new CodeModuleSource([{ name: 'a' }]),
      releases: t.releaseStore,
      cluster: new InMemoryCluster(),
      logger,
      metrics,
    });
    await engine.start();
    await untilEvent(engine, (e) => e.type === 'RetryScheduled' && e.module === 'a');
    await engine.stop();
    await t.stop();
    const failed = logger.records.find(
      (r) => r.level === 'error' && String(r.msg).includes('Module hook failed'),
    );
    expect(failed).toMatchObject({ module: 'a', hook: 'hooks/b', binding: 'beforeHelm', queue: 'main' });
    const retry = logger.records.find((r) => String(r.msg).startsWith('ModuleRun failed, requeue task'));
    expect(retry).toMatchObject({ module: 'a', queue: 'main', 'event.type': 'OperatorStartup' });
    expect(retry?.['task.id']).toBeTypeOf('string');
    const text = await metrics.text();
    expect(text).toContain('addon_operator_module_hook_run_seconds');
    expect(text).toMatch(/addon_operator_module_run_errors_total\{module="a"\} 1/);
  });

  it('stop() ends the run in the log: one EngineStopped with the runId, after everything else', async () => {
    const t = await createTestEngine({ modules: [{ name: 'a', order: 10 }] });
    await t.start();
    const runId = t.state.runId;
    await t.stop();
    await t.stop();
    const stopped = t.events.filter((e) => e.type === 'EngineStopped');
    expect(stopped).toEqual([expect.objectContaining({ type: 'EngineStopped', runId })]);
    expect(t.events.at(-1)?.type).toBe('EngineStopped');
    expect(replay(t.events).seq).toBe(t.events.length);
  });
});
