import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EnabledScriptError, loadModulesDir, type ModulesDirSource, runEnabledScript } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const enabledDir = join(fixtures, 'modules-enabled');
const script = (dir: string) => join(enabledDir, dir, 'enabled');

const input = {
  values: { global: { enabledModules: ['a'] }, dumpsInputs: { x: 1 } },
  configValues: { global: {}, dumpsInputs: { x: 1 } },
};

let source: ModulesDirSource;
beforeAll(async () => {
  for (const dir of readdirSync(enabledDir)) {
    const file = script(dir);
    if (dir !== '100-not-executable' && existsSync(file) && !dir.includes('is-a-dir')) chmodSync(file, 0o755);
  }
  source = await loadModulesDir(enabledDir);
});

const temps: string[] = [];
function temp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'converge-enabled-test-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function failure(module: string): Promise<EnabledScriptError> {
  const err = await source.runEnabledScript(module, input).catch((e) => e);
  expect(err).toBeInstanceOf(EnabledScriptError);
  return err as EnabledScriptError;
}

describe('enabled script results (TV-95, AO-90)', () => {
  it('TV-95 "true\\n" → enabled', async () => {
    await expect(source.runEnabledScript('says-true', input)).resolves.toEqual({ enabled: true });
  });

  it('TV-95 AO-90 " false " → disabled with the trimmed reason file content', async () => {
    await expect(source.runEnabledScript('says-false', input)).resolves.toEqual({
      enabled: false,
      reason: 'not needed',
    });
  });

  it('"false" with an empty reason file → disabled without a reason', async () => {
    await expect(source.runEnabledScript('false-without-reason', input)).resolves.toEqual({ enabled: false });
  });

  it('TV-95 an empty result file is a "bad enabled result" error naming the script and the content', async () => {
    const err = await failure('says-nothing');
    expect(err.message).toBe(
      `enabled script ${script('030-says-nothing')} of module says-nothing: bad enabled result "": ` +
        "expected 'true' or 'false'",
    );
    expect(err.module).toBe('says-nothing');
    expect(err.script).toBe(script('030-says-nothing'));
    expect(err.code).toBe('ENABLED_SCRIPT');
  });

  it('TV-95 "1" is a bad enabled result', async () => {
    expect((await failure('says-one')).message).toContain('bad enabled result "1"');
  });

  it('AO-90 "True\\n" is a bad enabled result (the comparison is case-sensitive)', async () => {
    expect((await failure('says-capital-true')).message).toContain('bad enabled result "True\\n"');
  });

  it('a result file the script removed is a bad enabled result', async () => {
    expect((await failure('removes-result')).message).toContain(
      'bad enabled result: cannot read MODULE_ENABLED_RESULT',
    );
  });

  it('TV-96 a non-zero exit is an error carrying stderr, or the exit status alone', async () => {
    expect((await failure('exits-three')).message).toBe(
      `enabled script ${script('060-exits-three')} of module exits-three: exit status 3: boom\n`,
    );
    expect((await failure('exits-silently')).message).toBe(
      `enabled script ${script('070-exits-silently')} of module exits-silently: exit status 4`,
    );
  });

  it('a script that cannot be started is an error naming it', async () => {
    const missing = join(temp(), 'enabled');
    const err = await runEnabledScript({ module: 'gone', path: missing }, input).catch((e) => e);
    expect(err).toBeInstanceOf(EnabledScriptError);
    expect(err.message).toMatch(
      new RegExp(`^enabled script ${missing} of module gone: cannot run: .*ENOENT`),
    );
  });

  it('timeoutMs kills a hanging script', async () => {
    const dir = temp();
    const path = join(dir, 'enabled');
    writeFileSync(path, '#!/usr/bin/env bash\nexec sleep 60\n', { mode: 0o755 });
    const err = await runEnabledScript({ module: 'slow', path }, input, { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(EnabledScriptError);
    expect(err.message).toBe(`enabled script ${path} of module slow: timeout after 100 ms`);
  });

  it('unknown modules are refused', async () => {
    await expect(source.runEnabledScript('nope', input)).rejects.toThrow('unknown module nope');
  });
});

describe('enabled script inputs (addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript), addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript))', () => {
  it('gets VALUES_PATH, CONFIG_VALUES_PATH and empty result/reason files in a private 0700 dir, removed afterwards', async () => {
    const dump = temp();
    const parent = temp();
    const dumping = await loadModulesDir(enabledDir, {
      tmpDir: parent,
      env: { passthrough: ['DUMP_DIR'] },
      baseEnv: {
        PATH: process.env.PATH,
        HOME: '/home/someone',
        LC_ALL: 'C',
        HTTPS_PROXY: 'http://proxy:3128',
        SECRET_TOKEN: 'do-not-leak',
        DUMP_DIR: dump,
      },
    });
    await expect(dumping.runEnabledScript('dumps-inputs', input)).resolves.toEqual({ enabled: true });

    expect(JSON.parse(readFileSync(join(dump, 'values.json'), 'utf8'))).toEqual(input.values);
    expect(JSON.parse(readFileSync(join(dump, 'config-values.json'), 'utf8'))).toEqual(input.configValues);
    expect(readFileSync(join(dump, 'initial.txt'), 'utf8')).toBe('|');
    expect(readFileSync(join(dump, 'names.txt'), 'utf8')).toBe(
      'dumps-inputs.module-enabled-result\ndumps-inputs.module-enabled-reason\n',
    );
    expect(readFileSync(join(dump, 'mode.txt'), 'utf8').trim()).toBe('700');
    const runDir = readFileSync(join(dump, 'dir.txt'), 'utf8').trim();
    expect(runDir.startsWith(`${parent}/`)).toBe(true);
    expect(existsSync(runDir)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);

    const env = readFileSync(join(dump, 'env.txt'), 'utf8').trim().split('\n');
    expect(env).toEqual(
      expect.arrayContaining([
        'CONFIG_VALUES_PATH',
        'DUMP_DIR',
        'HOME',
        'HTTPS_PROXY',
        'LC_ALL',
        'MODULE_ENABLED_REASON',
        'MODULE_ENABLED_RESULT',
        'PATH',
        'VALUES_PATH',
      ]),
    );
    expect(env).not.toContain('SECRET_TOKEN');
  });

  it('env.inherit passes the whole engine environment', async () => {
    const dump = temp();
    const inheriting = await loadModulesDir(enabledDir, {
      env: { inherit: true },
      baseEnv: { PATH: process.env.PATH, SECRET_TOKEN: 'passed', DUMP_DIR: dump },
    });
    await inheriting.runEnabledScript('dumps-inputs', input);
    expect(readFileSync(join(dump, 'env.txt'), 'utf8').split('\n')).toContain('SECRET_TOKEN');
  });

  it('the private directory is removed after a failing script too', async () => {
    const parent = temp();
    const failing = await loadModulesDir(enabledDir, { tmpDir: parent });
    await expect(failing.runEnabledScript('exits-three', input)).rejects.toThrow('exit status 3');
    await expect(failing.runEnabledScript('says-one', input)).rejects.toThrow('bad enabled result');
    expect(readdirSync(parent)).toEqual([]);
  });
});
