import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookConfigError, isConvergeError } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

let dir: string;
let t: TestEngine | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function writeHook(path: string, config: string, body = 'exit 0') {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(
    path,
    `#!/usr/bin/env bash\nif [[ "\${1:-}" == "--config" ]]; then\n  echo '${config}'\n  exit 0\nfi\n${body}\n`,
  );
  chmodSync(path, 0o755);
}

function tree() {
  dir = mkdtempSync(join(tmpdir(), 'converge-bad-input-'));
  const modules = join(dir, 'modules');
  mkdirSync(modules, { recursive: true });
  writeFileSync(join(modules, 'values.yaml'), 'aEnabled: true\nbEnabled: true\n');
  writeHook(join(modules, '010-a', 'hooks', 'ok.sh'), '{"configVersion":"v1","beforeHelm":1}');
  return modules;
}

describe('bad hook input: an event, a clear error, a retry; nothing lost', () => {
  it('a module hook with an invalid --config fails its module as registerHooks, is re-read on each retry, and a fix on disk is picked up', async () => {
    const modules = tree();
    const bad = join(modules, '020-b', 'hooks', 'bad.sh');
    writeHook(bad, '{"configVersion":"v1","beforeHelm":"first"}');
    t = await createTestEngine({ modulesDir: modules });
    await t.start();
    expect(t.state.modules.a.value).toBe('ready'); // the other module is unaffected
    const failed = t.events.find((e) => e.type === 'ModuleFailed' && e.module === 'b');
    expect(failed).toMatchObject({ phase: 'registerHooks' });
    const error = (failed as { error: string }).error;
    expect(error).toContain('hooks/bad.sh');
    expect(error).toContain('beforeHelm');
    expect(t.events.some((e) => e.type === 'RetryScheduled' && e.module === 'b')).toBe(true);
    writeHook(bad, '{"configVersion":"v1","beforeHelm":1}');
    await t.advance(5_000);
    expect(t.state.modules.b.value).toBe('ready');
  });

  it('a module hook whose --config prints invalid YAML is reported with the file', async () => {
    const modules = tree();
    writeHook(join(modules, '020-b', 'hooks', 'yaml.sh'), 'configVersion: v1\\nbeforeHelm: [1');
    t = await createTestEngine({ modulesDir: modules });
    await t.start();
    const failed = t.events.find((e) => e.type === 'ModuleFailed' && e.module === 'b') as
      | { error: string }
      | undefined;
    expect(failed?.error).toContain('hooks/yaml.sh');
  });

  it('a hook that hangs is killed after hookTimeoutMs, recorded as HookFailed "timeout after N ms", and retried', async () => {
    const modules = tree();
    writeHook(
      join(modules, '020-b', 'hooks', 'hang.sh'),
      '{"configVersion":"v1","beforeHelm":1}',
      'sleep 30',
    );
    t = await createTestEngine({ modulesDir: modules, hookTimeoutMs: 300 });
    await t.start();
    const failed = t.events.find((e) => e.type === 'HookFailed' && e.module === 'b') as
      | { error: string }
      | undefined;
    expect(failed?.error).toContain('timeout after 300 ms');
    expect(t.events.some((e) => e.type === 'RetryScheduled' && e.module === 'b')).toBe(true);
  });

  it('a hook writing a malformed values patch fails with the file named, and nothing of it is applied', async () => {
    const modules = tree();
    writeHook(
      join(modules, '020-b', 'hooks', 'patch.sh'),
      '{"configVersion":"v1","beforeHelm":1}',
      'echo \'[{"op":"add","path":"/b/x","value":1}\' > "$VALUES_JSON_PATCH_PATH"',
    );
    t = await createTestEngine({ modulesDir: modules });
    await t.start();
    const failed = t.events.find((e) => e.type === 'HookFailed' && e.module === 'b') as
      | { error: string }
      | undefined;
    expect(failed?.error).toMatch(/VALUES_JSON_PATCH_PATH/);
    expect(t.values('b')).toEqual({});
  });

  it('an invalid global hook config makes start() reject with a typed HookConfigError naming the file and field', async () => {
    const modules = tree();
    const global = join(dir, 'global-hooks');
    writeHook(join(global, 'hooks', '010-bad.sh'), '{"configVersion":"v1","beforeAll":1,"beforeHelm":2}');
    t = await createTestEngine({ modulesDir: modules, globalHooksDir: global });
    const error = await t.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isConvergeError(error)).toBe(true);
    expect(error).toBeInstanceOf(HookConfigError);
    expect((error as HookConfigError).file).toContain('010-bad.sh');
    expect((error as HookConfigError).message).toContain('beforeHelm');
  });
});
