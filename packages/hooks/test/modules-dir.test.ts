import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enabledKey, ModuleNameError, valuesKey } from '@converge/core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadModulesDir, ModulesDirError } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const naming = join(fixtures, 'modules-naming');
const namingExtra = join(fixtures, 'modules-naming-extra');
const enabledDir = join(fixtures, 'modules-enabled');

beforeAll(() => {
  for (const m of ['010-says-true', '020-says-false', '090-dumps-inputs'])
    chmodSync(join(enabledDir, m, 'enabled'), 0o755);
  chmodSync(join(enabledDir, '100-not-executable', 'enabled'), 0o644);
});

const temps: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'converge-modules-dir-test-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loadModulesDir: discovery and naming', () => {
  it('AO-88 takes name and order from the NNN- prefix; an unprefixed directory gets the unnumbered order', async () => {
    const source = await loadModulesDir(naming);
    const modules = await source.modules();
    expect(modules.map((m) => [m.name, m.order])).toEqual([
      ['no-prefix', 1],
      ['second-only', 2],
      ['my-cool-module', 15],
    ]);
    const cool = source.definition('my-cool-module');
    expect(valuesKey('my-cool-module')).toBe('myCoolModule');
    expect(enabledKey('my-cool-module')).toBe('myCoolModuleEnabled');
    expect(cool?.dir).toBe(join(naming, '015-my-cool-module'));
    expect(source.moduleDir('my-cool-module')).toBe(join(naming, '015-my-cool-module'));
    expect(source.hooksDir('my-cool-module')).toBe(join(naming, '015-my-cool-module', 'hooks'));
    expect(source.moduleDir('nope')).toBeUndefined();

    const custom = await loadModulesDir(naming, { unnumberedOrder: 500 });
    expect((await custom.modules()).map((m) => [m.name, m.order])).toEqual([
      ['second-only', 2],
      ['my-cool-module', 15],
      ['no-prefix', 500],
    ]);
  });

  it('skips files other than values.yaml at the root (a README.md), as addon-operator does', async () => {
    const source = await loadModulesDir(naming);
    expect(source.problems).toEqual([]);
    expect((await source.modules()).map((m) => m.name)).not.toContain('README.md');
  });

  it('AO-88 refuses a directory whose name fails the kebab/camel round trip, naming the directory', async () => {
    for (const bad of ['010-My_Module', '020-my--module', '030-foo_bar']) {
      const root = tempRoot();
      mkdirSync(join(root, bad));
      const err = await loadModulesDir(root).catch((e) => e);
      expect(err).toBeInstanceOf(ModuleNameError);
      expect(err.message).toContain(`'${bad}'`);
      expect(err.message).toContain(root);
    }
  });

  it('refuses a directory name containing ".." or a backslash', async () => {
    for (const bad of ['010-a..b', '010-a\\b']) {
      const root = tempRoot();
      mkdirSync(join(root, bad));
      const err = await loadModulesDir(root).catch((e) => e);
      expect(err).toBeInstanceOf(ModulesDirError);
      expect(err.message).toContain(bad);
      expect(err.file).toBe(join(root, bad));
    }
  });

  it('skips hidden directories with a warning', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, '010-a'));
    const source = await loadModulesDir(root);
    expect((await source.modules()).map((m) => m.name)).toEqual(['a']);
    expect(source.problems).toEqual([`${join(root, '.git')}: hidden directory ignored`]);
  });

  it('a missing modules directory is an error naming it', async () => {
    const missing = join(tempRoot(), 'nope');
    await expect(loadModulesDir(missing)).rejects.toThrow(`modules directory ${missing}: cannot list`);
  });

  it('loads several roots (array or ":"-list); a duplicate name in a later root is skipped with a warning', async () => {
    for (const dirs of [[naming, namingExtra], `${naming}:${namingExtra}`]) {
      const source = await loadModulesDir(dirs);
      const modules = await source.modules();
      expect(modules.map((m) => m.name)).toEqual([
        'no-prefix',
        'second-only',
        'my-cool-module',
        'extra-module',
      ]);
      expect(source.moduleDir('my-cool-module')).toBe(join(naming, '015-my-cool-module'));
      expect(source.definition('my-cool-module')?.order).toBe(15);
      expect(source.problems).toContain(
        `${join(namingExtra, '050-my-cool-module')}: module my-cool-module is already loaded from ` +
          `${join(naming, '015-my-cool-module')}, skipped`,
      );
    }
  });
});

describe('loadModulesDir: symlinks', () => {
  it('follows a symlink to a module directory wherever it points; a dangling one is ignored with a warning', async () => {
    const root = tempRoot();
    const elsewhere = tempRoot();
    cpSync(join(naming, '015-my-cool-module'), join(elsewhere, 'real-module'), { recursive: true });
    symlinkSync(join(elsewhere, 'real-module'), join(root, '030-linked'));
    symlinkSync(join(elsewhere, 'gone'), join(root, '040-dangling'));
    writeFileSync(join(elsewhere, 'a-file'), 'x');
    symlinkSync(join(elsewhere, 'a-file'), join(root, '050-file-link'));
    const source = await loadModulesDir(root);
    expect((await source.modules()).map((m) => [m.name, m.order])).toEqual([['linked', 30]]);
    expect(source.definition('linked')?.hasChart).toBe(true);
    expect(source.chartDir('linked')).toBe(join(root, '030-linked'));
    expect(source.problems).toEqual([
      expect.stringMatching(new RegExp(`^${join(root, '040-dangling')}: dangling symlink ignored`)),
      `${join(root, '050-file-link')}: not a directory, ignored`,
    ]);
  });

  it('strictModulesRoot refuses a symlink resolving outside the root and accepts one inside it', async () => {
    const root = tempRoot();
    const elsewhere = tempRoot();
    mkdirSync(join(elsewhere, 'outside'));
    mkdirSync(join(root, 'store', 'inside'), { recursive: true });
    symlinkSync(join(root, 'store', 'inside'), join(root, '010-inside'));
    const ok = await loadModulesDir(root, { strictModulesRoot: true });
    expect((await ok.modules()).map((m) => m.name)).toEqual(['store', 'inside']);

    symlinkSync(join(elsewhere, 'outside'), join(root, '020-outside'));
    expect((await (await loadModulesDir(root)).modules()).map((m) => m.name)).toContain('outside');
    const err = await loadModulesDir(root, { strictModulesRoot: true }).catch((e) => e);
    expect(err).toBeInstanceOf(ModulesDirError);
    expect(err.message).toContain(join(root, '020-outside'));
    expect(err.message).toContain('outside the modules root');
  });
});

describe('loadModulesDir: static values and the Static extender', () => {
  it('AO-80 (static part) module static values: root values.yaml section, then the module values.yaml section', async () => {
    const source = await loadModulesDir(naming);
    expect(source.definition('my-cool-module')?.staticValues).toEqual({ fromRoot: 1, fromModule: 1 });
    expect(source.definition('no-prefix')?.staticValues).toEqual({});
  });

  it('global static values merge the global sections of every root in order', async () => {
    const source = await loadModulesDir([naming, namingExtra]);
    expect((await source.global()).staticValues).toEqual({
      clusterName: 'test',
      region: 'eu',
      nested: { a: 1, b: 2 },
    });
  });

  it('<key>Enabled booleans of the root values.yaml become staticEnabled; a later root overrides', async () => {
    const one = await loadModulesDir(naming);
    expect(one.definition('my-cool-module')?.staticEnabled).toBe(true);
    expect(one.definition('no-prefix')?.staticEnabled).toBe(true);
    expect(one.definition('second-only')?.staticEnabled).toBeUndefined();
    const two = await loadModulesDir([naming, namingExtra]);
    expect(two.definition('no-prefix')?.staticEnabled).toBe(false);
    expect(two.definition('extra-module')?.staticEnabled).toBe(true);
  });

  it('a non-boolean <key>Enabled is an error naming the file and the key', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '010-a'));
    writeFileSync(join(root, 'values.yaml'), 'aEnabled: "true"\n');
    const err = await loadModulesDir(root).catch((e) => e);
    expect(err).toBeInstanceOf(ModulesDirError);
    expect(err.message).toBe(
      `${join(root, 'values.yaml')}: aEnabled: must be a boolean (true or false), found string "true"`,
    );
  });

  it('values.yaml errors name the file: bad YAML, a non-mapping, a non-mapping section', async () => {
    const cases: [string, string, string][] = [
      ['values.yaml', 'a: [unclosed\n', 'invalid YAML'],
      ['values.yaml', '- a\n- b\n', 'expected a mapping at the top level, found a list'],
      ['010-a/values.yaml', 'a: 5\n', 'a: must be a mapping, found number 5'],
    ];
    for (const [file, text, message] of cases) {
      const root = tempRoot();
      mkdirSync(join(root, '010-a'));
      writeFileSync(join(root, file), text);
      const err = await loadModulesDir(root).catch((e) => e);
      expect(err).toBeInstanceOf(ModulesDirError);
      expect(err.file).toBe(join(root, file));
      expect(err.message).toContain(join(root, file));
      expect(err.message).toContain(message);
    }
  });

  it('values.yaml is read as YAML 1.1, like Go: an unquoted `y` key is the boolean true', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '010-a'));
    writeFileSync(join(root, '010-a', 'values.yaml'), 'a:\n  x: on\n  y: 1\n  "y": 2\n');
    const source = await loadModulesDir(root);
    expect(source.definition('a')?.staticValues).toEqual({ x: true, true: 1, y: 2 });
  });

  it('an empty section (`a:`) and an empty values.yaml are empty values', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '010-a'));
    writeFileSync(join(root, 'values.yaml'), 'a:\n');
    writeFileSync(join(root, '010-a', 'values.yaml'), '');
    const source = await loadModulesDir(root);
    expect(source.definition('a')?.staticValues).toEqual({});
  });
});

describe('loadModulesDir: chart, CRDs and enabled script presence', () => {
  it('addon-operator pkg/module_manager/models/modules/helm.go (release name) a module has a chart with Chart.yaml or templates/; chartDir is undefined otherwise', async () => {
    const source = await loadModulesDir(naming);
    expect(source.definition('my-cool-module')?.hasChart).toBe(true);
    expect(source.definition('second-only')?.hasChart).toBe(true);
    expect(source.chartDir('second-only')).toBe(join(naming, '002-second-only'));
    expect(source.definition('no-prefix')?.hasChart).toBe(false);
    expect(source.chartDir('no-prefix')).toBeUndefined();
  });

  it('addon-operator pkg/task/tasks/module-ensure-crds/task.go crds/**/*.yaml are parsed, skipping doc- and _ prefixed files and other extensions', async () => {
    const def = (await loadModulesDir(naming)).definition('my-cool-module');
    const crdDir = join(naming, '015-my-cool-module', 'crds');
    expect(def?.crdFiles).toEqual([join(crdDir, 'sub', 'gadgets.yaml'), join(crdDir, 'widgets.yaml')]);
    expect(def?.crds.map((c) => c.metadata.name)).toEqual(['gadgets.example.com', 'widgets.example.com']);
    const custom = (await loadModulesDir(naming, { crdFilterPrefixes: ['gadg'] })).definition(
      'my-cool-module',
    );
    expect(custom?.crdFiles.map((f) => f.slice(crdDir.length + 1))).toEqual([
      '_draft.yaml',
      'doc-widgets.yaml',
      'widgets.yaml',
    ]);
    expect(custom?.crds.map((c) => c.metadata.name)).toEqual([
      'drafts.example.com',
      'example-widget',
      'widgets.example.com',
    ]);
  });

  it('a CRD document that is not a Kubernetes object is an error naming the file', async () => {
    const root = tempRoot();
    mkdirSync(join(root, '010-a', 'crds'), { recursive: true });
    writeFileSync(join(root, '010-a', 'crds', 'bad.yaml'), 'kind: CustomResourceDefinition\n');
    const err = await loadModulesDir(root).catch((e) => e);
    expect(err).toBeInstanceOf(ModulesDirError);
    expect(err.message).toContain(join(root, '010-a', 'crds', 'bad.yaml'));
    expect(err.message).toContain('document 1 is not a Kubernetes object');
  });

  it('addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript) an executable enabled script is registered; a non-executable one or a directory is ignored with a warning', async () => {
    const source = await loadModulesDir(enabledDir);
    expect(source.definition('says-true')?.hasEnabledScript).toBe(true);
    expect(source.definition('says-true')?.enabledScript).toBe(join(enabledDir, '010-says-true', 'enabled'));
    expect(source.definition('no-script')?.hasEnabledScript).toBe(false);
    expect(source.definition('not-executable')?.hasEnabledScript).toBe(false);
    expect(source.definition('enabled-is-a-dir')?.hasEnabledScript).toBe(false);
    expect(source.problems).toEqual(
      expect.arrayContaining([
        `${join(enabledDir, '100-not-executable', 'enabled')}: not executable, ignored (module enabled by its other extenders)`,
        `${join(enabledDir, '110-enabled-is-a-dir', 'enabled')}: not a regular file, ignored (module enabled by its other extenders)`,
      ]),
    );
    // A module without a script has no opinion: the source says enabled.
    await expect(
      source.runEnabledScript('not-executable', { values: {}, configValues: {} }),
    ).resolves.toEqual({
      enabled: true,
    });
  });
});
