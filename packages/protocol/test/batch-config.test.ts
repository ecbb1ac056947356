import { describe, expect, it } from 'vitest';
import {
  HookConfigError,
  mapBatchHookConfig,
  parseHookConfig,
  parseSettingsCheckResult,
  SchemaValidationError,
} from '../src/index.js';

const moduleCtx = { file: 'hooks/mybin', kind: 'module' as const };
const globalCtx = { file: 'hooks/gbin', kind: 'global' as const };

function configError(fn: () => unknown): HookConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HookConfigError);
    return e as HookConfigError;
  }
  throw new Error('expected a HookConfigError');
}

const tv81 = `{"version":"v1","hooks":[
  {"configVersion":"v1","metadata":{"name":"subfolder/nodes","path":"example/hooks/subfolder/"},
   "kubernetes":[{"name":"node_info","apiVersion":"v1","kind":"Node","executeHookOnEvent":false,
                  "keepFullObjectsInMemory":false,"jqFilter":"{name: .metadata.name}"}],
   "beforeHelm":1},
  {"configVersion":"v1","metadata":{"name":"cleanup","path":"example/hooks/"},
   "schedule":[{"name":"nightly","crontab":"0 3 * * *","queue":"cleanup"}]}],
 "readiness":{"configVersion":"v1","metadata":{"name":"readiness","path":"common-hooks/readiness"},
   "schedule":[{"name":"default-module-moduleReadinessSchedule","crontab":"*/15 * * * * *"}]},
 "has_settings_check":true}`;

describe('docs/conformance.md batch hook vectors', () => {
  it('TV-81 hook config mapping of a module batch binary', () => {
    const set = mapBatchHookConfig(tv81, moduleCtx);
    expect(set.format).toBe('v1');
    expect(set.hasSettingsCheck).toBe(true);
    expect(set.hooks.map((h) => [h.key, h.name])).toEqual([
      ['0', 'hooks/mybin:subfolder/nodes:0'],
      ['1', 'hooks/mybin:cleanup:1'],
    ]);

    const nodes = set.hooks[0];
    expect(nodes.metadata).toEqual({ name: 'subfolder/nodes', path: 'example/hooks/subfolder/' });
    expect(nodes.config.orders).toEqual({ beforeHelm: 1 });
    expect(nodes.config.kubernetes).toEqual([
      {
        name: 'node_info',
        apiVersion: 'v1',
        kind: 'Node',
        executeHookOnEvent: [],
        executeHookOnSynchronization: true,
        waitForSynchronization: true,
        keepFullObjectsInMemory: false,
        jqFilter: '{name: .metadata.name}',
        allowFailure: false,
        includeSnapshotsFrom: ['node_info'],
        queue: 'main',
        group: 'main',
      },
    ]);

    const cleanup = set.hooks[1];
    expect(cleanup.config.kubernetes).toEqual([]);
    expect(cleanup.config.schedule).toEqual([
      {
        name: 'nightly',
        crontab: '0 3 * * *',
        allowFailure: false,
        includeSnapshotsFrom: [],
        queue: 'cleanup',
        group: 'main',
      },
    ]);

    expect(set.readiness?.key).toBe('ready');
    expect(set.readiness?.name).toBe('hooks/mybin-readiness');
    expect(set.readiness?.config.schedule[0]).toMatchObject({
      name: 'default-module-moduleReadinessSchedule',
      crontab: '*/15 * * * * *',
      queue: 'main',
    });
  });

  it('TV-81 a global batch hook: names with dashes, beforeHelm/afterHelm mean beforeAll/afterAll', () => {
    const set = mapBatchHookConfig(
      {
        version: 'v1',
        hooks: [
          {
            configVersion: 'v1',
            metadata: { name: 'startup', path: 'p' },
            onStartup: 3,
            beforeHelm: 1,
            afterHelm: 2,
          },
        ],
      },
      globalCtx,
    );
    expect(set.hooks[0].name).toBe('hooks/gbin-startup-0');
    expect(set.hooks[0].config.orders).toEqual({ onStartup: 3, beforeAll: 1, afterAll: 2 });
    expect(set.hooks[0].config.onStartup).toBe(3);
    expect(set.readiness).toBeUndefined();
    expect(set.hasSettingsCheck).toBe(false);
  });

  it('TV-81 module batch hooks support beforeDeleteHelm and afterDeleteHelm; settings map from nanoseconds', () => {
    const set = mapBatchHookConfig(
      {
        version: 'v1',
        hooks: [
          {
            configVersion: 'v1',
            metadata: { name: 'before-delete', path: 'p' },
            beforeDeleteHelm: 7,
            afterDeleteHelm: 8,
            allowFailure: true,
            logLevel: 'debug',
            settings: {
              executionMinInterval: 3_000_000_000,
              executionBurst: 2,
              enableSchedulesOnStartup: true,
            },
            kubernetes: [
              { name: 'a', kind: 'Pod', queue: 'q', waitForSynchronization: false },
              { name: 'b', kind: 'Pod', waitForSynchronization: false, executeHookOnEvent: true },
            ],
          },
        ],
      },
      { file: 'hooks/batchhooks', kind: 'module' },
    );
    const [h] = set.hooks;
    expect(h.name).toBe('hooks/batchhooks:before-delete:0');
    expect(h.config.orders).toEqual({ beforeDeleteHelm: 7, afterDeleteHelm: 8 });
    expect(h.config.settings).toEqual({ executionMinIntervalMs: 3000, executionBurst: 2 });
    expect(
      h.config.kubernetes.map((k) => [k.name, k.queue, k.waitForSynchronization, k.executeHookOnEvent]),
    ).toEqual([
      ['a', 'q', false, ['Added', 'Modified', 'Deleted']],
      ['b', 'main', true, ['Added', 'Modified', 'Deleted']],
    ]);
    expect(h.config.kubernetes[0].includeSnapshotsFrom).toEqual(['a', 'b']);
  });

  it('TV-82 legacy array format', () => {
    const set = mapBatchHookConfig(
      '  [{"configVersion":"v1","metadata":{"name":"a","path":"p"},"onStartup":5}]\n',
      moduleCtx,
    );
    expect(set.format).toBe('legacy');
    expect(set.hooks).toHaveLength(1);
    expect(set.hooks[0].key).toBe('0');
    expect(set.hooks[0].name).toBe('hooks/mybin:a:0');
    expect(set.hooks[0].config.orders).toEqual({ onStartup: 5 });
    expect(set.readiness).toBeUndefined();
  });

  it('TV-82 an unknown version is rejected', () => {
    const e = configError(() => mapBatchHookConfig('{"version":"v2","hooks":[]}', moduleCtx));
    expect(e.field).toBe('version');
    expect(e.message).toContain('unknown version "v2"');
    expect(e.file).toBe('hooks/mybin');
  });

  it('TV-82 executeHookOnEvent as an array is a decode error', () => {
    const e = configError(() =>
      mapBatchHookConfig(
        '{"version":"v1","hooks":[{"configVersion":"v1","metadata":{"name":"a"},"kubernetes":[{"name":"k","kind":"Pod","executeHookOnEvent":["Added"]}]}]}',
        moduleCtx,
      ),
    );
    expect(e.field).toBe('hooks[0].kubernetes[0].executeHookOnEvent');
    expect(e.message).toContain('hooks[0].kubernetes[0].executeHookOnEvent: must be a boolean (got array)');
  });

  it('TV-82 text that is not JSON, negative orders and bad crontabs are rejected with their path', () => {
    expect(configError(() => mapBatchHookConfig('Found 2 items', moduleCtx)).message).toContain(
      'must be JSON',
    );
    const e = configError(() =>
      mapBatchHookConfig(
        {
          version: 'v1',
          hooks: [
            { metadata: { name: 'a' }, beforeHelm: -1 },
            { metadata: { name: 'b' }, schedule: [{ name: 's', crontab: '* * *' }] },
          ],
        },
        moduleCtx,
      ),
    );
    expect(e.message).toContain('hooks[0].beforeHelm: must be a non-negative integer');
    const e2 = configError(() =>
      mapBatchHookConfig(
        { version: 'v1', hooks: [{ schedule: [{ name: 's', crontab: '* * *' }] }] },
        moduleCtx,
      ),
    );
    expect(e2.field).toBe('hooks[0].schedule[0].crontab');
  });

  describe('TV-84 settings check', () => {
    it('TV-84 exit 1 with a JSON result on stderr is an invalid result with its message', () => {
      expect(
        parseSettingsCheckResult(
          { exitCode: 1, stderr: '{"valid":false,"message":"replicas cannot be 0","warnings":null}' },
          { file: 'hooks/mybin' },
        ),
      ).toEqual({ valid: false, message: 'replicas cannot be 0', warnings: [] });
    });
    it('TV-84 exit 0 without output is valid', () => {
      expect(parseSettingsCheckResult({ exitCode: 0, stderr: '' }, { file: 'hooks/mybin' })).toEqual({
        valid: true,
        message: '',
        warnings: [],
      });
    });
    it('TV-84 exit 1 with stderr that is not JSON is an engine error', () => {
      expect(() =>
        parseSettingsCheckResult({ exitCode: 1, stderr: 'panic: boom' }, { file: 'hooks/mybin' }),
      ).toThrow(SchemaValidationError);
      expect(() =>
        parseSettingsCheckResult({ exitCode: 1, stderr: 'panic: boom' }, { file: 'hooks/mybin' }),
      ).toThrow(/hooks\/mybin.*panic: boom/);
    });
    it('TV-84 warnings of an allowed result are kept', () => {
      expect(
        parseSettingsCheckResult(
          { exitCode: 1, stderr: '{"valid":true,"warnings":["deprecated key"]}' },
          { file: 'b' },
        ),
      ).toEqual({ valid: true, message: '', warnings: ['deprecated key'] });
    });
  });

  it('TV-90 executeHookOnEvent: false is a schema error in a shell config but snapshot-only in a batch config', () => {
    const e = configError(() =>
      parseHookConfig(
        { configVersion: 'v1', kubernetes: [{ kind: 'Pod', executeHookOnEvent: false }] },
        { file: 'modules/x/hooks/a.sh', hook: 'hooks/a.sh', kind: 'module' },
      ),
    );
    expect(e.field).toBe('kubernetes[0].executeHookOnEvent');
    expect(e.message).toContain('must be an array (got boolean false)');

    const set = mapBatchHookConfig(
      {
        version: 'v1',
        hooks: [
          { metadata: { name: 'a' }, kubernetes: [{ name: 'k', kind: 'Pod', executeHookOnEvent: false }] },
        ],
      },
      moduleCtx,
    );
    expect(set.hooks[0].config.kubernetes[0].executeHookOnEvent).toEqual([]);
  });
});
