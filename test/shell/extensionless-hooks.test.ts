import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodesAsBatchConfig } from '@converge/hooks';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Our own fixture: an extension-less module hook and global hook that exit 0 for any argument,
// and an extension-less file that prints a batch config for `hook config` but lists no hooks.
const fixture = join(import.meta.dirname, '..', 'fixtures', 'extensionless-hooks');
let root: string;
let t: TestEngine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'converge-extensionless-'));
  cpSync(fixture, root, { recursive: true });
  t = await createTestEngine({
    modulesDir: join(root, 'modules'),
    globalHooksDir: join(root, 'global-hooks'),
  });
  await t.start();
});

afterAll(async () => {
  await t?.stop();
  rmSync(root, { recursive: true, force: true });
});

/** Lines the hooks wrote when run as hooks (no arguments), not while probed with `hook list`/`hook config`. */
const hookRuns = () =>
  readFileSync(join(root, 'calls.log'), 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.endsWith(' hook'));

describe('hooks without a file extension (addon-operator searchModuleShellHooks)', () => {
  it('TV-15 a module hook and a global hook that exit 0 for "hook config" and print nothing run as shell hooks', () => {
    const succeeded = t.events
      .filter((e) => e.type === 'HookSucceeded')
      .map((e) => `${'module' in e && e.module ? `${e.module}/` : ''}${e.hook}:${e.binding}`);
    expect(succeeded).toContain('startup:onStartup');
    expect(succeeded).toContain('plain/hooks/startup:onStartup');
    expect(hookRuns()).toEqual(expect.arrayContaining(['global startup ', 'module startup ']));
    expect(t.state.modules.plain?.value).toBe('ready');
  });

  it('AO-91 a module enabled only in its own values.yaml stays disabled, and a ModuleNotEnabled event says why', () => {
    expect(t.state.enabled).not.toContain('backend');
    expect(t.events.filter((e) => e.type === 'ModuleNotEnabled')).toEqual([
      expect.objectContaining({
        module: 'backend',
        flag: 'backendEnabled',
        reason:
          "`backendEnabled` is not set in the modules directory's values.yaml, by a global hook or in the config; the module's own values.yaml sets `backendEnabled: true`, which does not count (only the modules directory's values.yaml, global hooks and the config do, as in addon-operator)",
      }),
    ]);
  });

  it('TV-80 a file that prints a batch config for "hook config" without "Found N items" is not registered', () => {
    expect(
      t.events.some((e) => e.type.startsWith('Hook') && 'hook' in e && String(e.hook).includes('lookalike')),
    ).toBe(false);
    expect(hookRuns()).not.toContain('lookalike ');
  });

  it('TV-80 "hook config" output decodes as a batch config only as addon-operator decodes it', () => {
    expect(decodesAsBatchConfig('')).toBe(false);
    expect(decodesAsBatchConfig('usage: startup\n')).toBe(false);
    expect(decodesAsBatchConfig('{"configVersion":"v1","onStartup":1}')).toBe(false);
    expect(decodesAsBatchConfig('{"version":"v2","hooks":[]}')).toBe(false);
    expect(decodesAsBatchConfig('{"version":"v1","hooks":[]}\ntrailing text')).toBe(true);
    expect(decodesAsBatchConfig('[{"configVersion":"v1","onStartup":1}]')).toBe(true);
    expect(decodesAsBatchConfig('[1]')).toBe(false);
  });
});
