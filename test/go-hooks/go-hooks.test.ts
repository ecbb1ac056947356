import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '@converge/core';
import { extractedBinary } from '@converge/helm';
import type { KubeObject } from '@converge/protocol';
import { createTestEngine, type TestEngine, type TestEngineOptions } from '@converge/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildGoHooks, goHooksExample, goMissing } from '../support/go-hooks-binary.js';
import { CallLog, hook, observableState } from '../support/recorder.js';

// The real module-sdk program of examples/go-hooks, built with `go build` and run by the engine as
// a batch hook (`hook list`, `hook config`, `hook run N`), as addon-operator runs module-sdk hooks.
const skip = goMissing !== undefined;
const why = goMissing ? ` (${goMissing})` : '';

let binary = '';
let root = '';
let t: TestEngine | undefined;

beforeAll(() => {
  // A cold Go build cache (a fresh machine) compiles module-sdk and client-go: minutes, not seconds.
  if (!skip) binary = buildGoHooks();
}, 900_000);

afterEach(async () => {
  if (t) expect(observableState(replay(t.events))).toEqual(observableState(t.state));
  await t?.stop();
  t = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
  root = '';
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const leftover = (name: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default', labels: { 'go-demo/leftover': 'true' } },
  data,
});
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name });

/** The example's modules directory in a temp copy, the built binary in the module's hooks/. */
async function start(options: Partial<TestEngineOptions> = {}, extraHooks: Record<string, string> = {}) {
  root = mkdtempSync(join(tmpdir(), 'converge-go-hooks-'));
  const modulesDir = join(root, 'modules');
  cpSync(join(goHooksExample, 'modules'), modulesDir, { recursive: true });
  const hooksDir = join(modulesDir, '010-go-demo', 'hooks');
  mkdirSync(hooksDir, { recursive: true });
  copyFileSync(binary, join(hooksDir, 'go-hooks'));
  chmodSync(join(hooksDir, 'go-hooks'), 0o755);
  for (const [file, text] of Object.entries(extraHooks)) {
    writeFileSync(join(hooksDir, file), text);
    chmodSync(join(hooksDir, file), 0o755);
  }
  t = await createTestEngine({ modulesDir, helm: extractedBinary('helm3'), ...options });
  await t.start();
  return t;
}

const started = (t: TestEngine, binding: string) =>
  t.events
    .filter((e) => e.type === 'HookStarted' && e.binding === binding)
    .map((e) => (e as { hook: string }).hook);

describe('a module-sdk Go hook binary (examples/go-hooks) run by the engine as a batch hook', () => {
  it.skipIf(skip)(
    `TV-80 TV-81 AO-53 AO-67 afterHelm reads its kubernetes snapshot and patches values; beforeDeleteHelm deletes the leftovers before the uninstall${why}`,
    async () => {
      await start({ objects: [leftover('go-demo-cache')] });
      expect(started(t!, 'afterHelm')).toContain('hooks/go-hooks:report:1');
      // The values patch of the Go hook, from the chart's own ConfigMap in the `settings` snapshot.
      expect(t!.values('go-demo')).toMatchObject({
        greeting: 'hello from go-demo',
        internal: { deployedGreeting: 'hello from go-demo', seenConfigMaps: ['go-demo-settings'] },
      });
      expect(t!.state.modules['go-demo'].value).toBe('ready');
      await t!.setConfig({ goDemoEnabled: false });
      const steps = t!.events
        .filter(
          (e) =>
            (e.type === 'HookSucceeded' && e.binding === 'beforeDeleteHelm') ||
            e.type === 'HelmReleaseUninstalled',
        )
        .map((e) => (e.type === 'HookSucceeded' ? e.hook : e.type));
      expect(steps).toEqual(['hooks/go-hooks:cleanup:0', 'HelmReleaseUninstalled']);
      expect(t!.cluster.get(ref('go-demo-cache'))).toBeUndefined();
      expect(t!.cluster.get(ref('go-demo-settings'))).toBeUndefined();
      expect(t!.state.modules['go-demo'].value).toBe('deleted');
    },
  );

  it.skipIf(skip)(
    `TV-83 AO-69 AO-70 a failing Go beforeDeleteHelm keeps the release and is retried with backoff until it succeeds${why}`,
    async () => {
      await start({ objects: [leftover('go-demo-held', { hold: 'true' })] });
      await t!.setConfig({ goDemoEnabled: false });
      const failed = t!.events.find((e) => e.type === 'HookFailed');
      expect(failed).toMatchObject({
        module: 'go-demo',
        hook: 'hooks/go-hooks:cleanup:0',
        binding: 'beforeDeleteHelm',
      });
      expect((failed as { error: string }).error).toContain('ConfigMap default/go-demo-held is held');
      expect(t!.releases().map((r) => r.name)).toEqual(['go-demo']);
      expect(t!.cluster.get(ref('go-demo-settings'))).toBeDefined();
      // Released: the retry after the first backoff (5 s) sees the new snapshot and deletes the module.
      await t!.cluster.apply(leftover('go-demo-held', { hold: 'false' }));
      await t!.settle();
      expect(t!.releases().map((r) => r.name)).toEqual(['go-demo']);
      await t!.advance(5_000);
      expect(started(t!, 'beforeDeleteHelm')).toEqual([
        'hooks/go-hooks:cleanup:0',
        'hooks/go-hooks:cleanup:0',
      ]);
      expect(t!.releases()).toEqual([]);
      expect(t!.cluster.get(ref('go-demo-held'))).toBeUndefined();
      expect(t!.state.modules['go-demo'].value).toBe('deleted');
    },
  );

  it.skipIf(skip)(
    `AO-71 the Go beforeDeleteHelm is skipped when the module has no release${why}`,
    async () => {
      await start({ objects: [leftover('go-demo-cache')] });
      await t!.releaseStore.uninstall('go-demo');
      await t!.setConfig({ goDemoEnabled: false });
      expect(started(t!, 'beforeDeleteHelm')).toEqual([]);
      expect(t!.cluster.get(ref('go-demo-cache'))).toBeDefined();
      expect(t!.state.modules['go-demo'].value).toBe('deleted');
    },
  );

  it.skipIf(skip)(
    `AO-75 shell, batch (the Go binary) and in-process beforeDeleteHelm hooks at order 7 run ordered together by (order, name)${why}`,
    async () => {
      const shell = (order: number) =>
        `#!/usr/bin/env bash\nif [[ "\${1:-}" == "--config" ]]; then echo '{"configVersion":"v1","beforeDeleteHelm":${order}}'; fi\n`;
      const log = new CallLog();
      await start(
        {
          inProcessHooks: {
            'go-demo': [
              hook(log, 'hooks/m-in-process', { beforeDeleteHelm: 7 }),
              hook(log, 'hooks/zz-first', { beforeDeleteHelm: 1 }),
            ],
          },
        },
        { 'a-shell.sh': shell(7), 'z-shell.sh': shell(7) },
      );
      await t!.setConfig({ goDemoEnabled: false });
      expect(started(t!, 'beforeDeleteHelm')).toEqual([
        'hooks/zz-first',
        'hooks/a-shell.sh',
        'hooks/go-hooks:cleanup:0',
        'hooks/m-in-process',
        'hooks/z-shell.sh',
      ]);
      expect(log.names).toEqual([
        'go-demo/hooks/zz-first:beforeDeleteHelm',
        'go-demo/hooks/m-in-process:beforeDeleteHelm',
      ]);
      const last = t!.events.findLastIndex(
        (e) => e.type === 'HookSucceeded' && e.binding === 'beforeDeleteHelm',
      );
      expect(t!.events[last + 1]?.type).toBe('HelmReleaseUninstalled');
    },
  );
});
