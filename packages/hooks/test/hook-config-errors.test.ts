import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookConfigError } from '@converge/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessHookRunner } from '../src/hook-runner.js';
import { fixtureRunner, modulesDir } from './support.js';

async function configError(promise: Promise<unknown>): Promise<HookConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HookConfigError);
  return error as HookConfigError;
}

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function moduleWithHook(name: string, script: string): Promise<string> {
  tmp = await mkdtemp(join(tmpdir(), 'converge-config-'));
  const hooksDir = join(tmp, 'hooks');
  await mkdir(hooksDir, { recursive: true });
  await writeFile(join(hooksDir, name), script);
  await chmod(join(hooksDir, name), 0o755);
  return hooksDir;
}

describe('hook config errors', () => {
  it('--config output that is not YAML is a HookConfigError naming the file and the hook', async () => {
    const { runner } = fixtureRunner();
    const error = await configError(runner.moduleHooks('bad-yaml'));
    expect(error.file).toBe(join(modulesDir, 'bad-yaml', 'hooks', 'bad.sh'));
    expect(error.hook).toBe('hooks/bad.sh');
    expect(error.message).toMatch(
      /^invalid config of module hook hooks\/bad\.sh \(file .*bad\.sh\): --config output is not YAML or JSON/,
    );
  });

  it('a config that breaks the schema names the field', async () => {
    const { runner } = fixtureRunner();
    const error = await configError(runner.moduleHooks('bad-schema'));
    expect(error.hook).toBe('hooks/bad.sh');
    expect(error.field).toBe('kubernetes[0].executeHookOnEvent');
    expect(error.message).toContain('kubernetes[0].executeHookOnEvent');
  });

  it('a --config run that exits non-zero is a HookConfigError with its status and stderr', async () => {
    const { runner } = fixtureRunner();
    const error = await configError(runner.moduleHooks('config-fails'));
    expect(error.hook).toBe('hooks/crash.sh');
    expect(error.message).toMatch(
      /cannot run --config of module hook hooks\/crash\.sh .*: exit status 4: cannot load my config$/,
    );
  });

  it('--config runs again on every call, so a fix on disk is picked up', async () => {
    const hooksDir = await moduleWithHook('x.sh', '#!/bin/sh\necho "configVersion: v2"\n');
    const runner = new ProcessHookRunner({ moduleHooksDir: () => hooksDir });
    const error = await configError(runner.moduleHooks('m'));
    expect(error.field).toBe('configVersion');
    await writeFile(join(hooksDir, 'x.sh'), '#!/bin/sh\necho "{configVersion: v1, beforeHelm: 3}"\n');
    expect((await runner.moduleHooks('m')).map((h) => [h.name, h.orders])).toEqual([
      ['hooks/x.sh', { beforeHelm: 3 }],
    ]);
  });

  it('a module key in a global hook is a HookConfigError from globalHooks()', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'converge-config-'));
    await writeFile(join(tmp, 'g.sh'), '#!/bin/sh\necho \'{"configVersion":"v1","beforeHelm":1}\'\n');
    await chmod(join(tmp, 'g.sh'), 0o755);
    const runner = new ProcessHookRunner({ globalHooksDir: tmp, moduleHooksDir: () => undefined });
    const error = await configError(runner.globalHooks());
    expect(error.hook).toBe('g.sh');
    expect(error.field).toBe('beforeHelm');
  });

  it('a batch binary whose "hook config" has a wrong type names the binary and the field', async () => {
    const hooksDir = await moduleWithHook(
      'bin',
      `#!/bin/sh
case "$1 $2" in
"hook list") echo "Found 1 items:"; echo "0 - a" ;;
"hook config") echo '{"version":"v1","hooks":[{"configVersion":"v1","metadata":{"name":"a"},"kubernetes":[{"name":"k","kind":"Pod","executeHookOnEvent":["Added"]}]}]}' ;;
*) exit 1 ;;
esac
`,
    );
    const runner = new ProcessHookRunner({ moduleHooksDir: () => hooksDir });
    const error = await configError(runner.moduleHooks('m'));
    expect(error.file).toBe(join(hooksDir, 'bin'));
    expect(error.hook).toBe('hooks/bin');
    expect(error.field).toBe('hooks[0].kubernetes[0].executeHookOnEvent');
  });

  it('a --config that hangs is stopped by the runner timeout', async () => {
    const hooksDir = await moduleWithHook('slow.sh', '#!/bin/sh\nsleep 30\n');
    const runner = new ProcessHookRunner({ moduleHooksDir: () => hooksDir, timeoutMs: 200 });
    const error = await configError(runner.moduleHooks('m'));
    expect(error.message).toMatch(/timeout after 200 ms$/);
  });
});
