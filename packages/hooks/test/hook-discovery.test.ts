import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scanHookFiles } from '../src/hook-discovery.js';
import { fixtureRunner, fixtures } from './support.js';

let tmp: string | undefined;
afterEach(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

async function tree(files: Record<string, boolean>): Promise<string> {
  tmp = await mkdtemp(join(tmpdir(), 'converge-discovery-'));
  for (const [path, executable] of Object.entries(files)) {
    const full = join(tmp, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, '#!/bin/sh\n');
    await chmod(full, executable ? 0o755 : 0o644);
  }
  return tmp;
}

describe('hook discovery', () => {
  it('TV-15 walks the hooks root with the skip rules, sorted, warning about lib/ and missing +x', async () => {
    const root = await tree({
      '001-a.sh': true,
      '002-b.py': true,
      'README.md': true,
      'config.yaml': true,
      '.hidden.sh': true,
      'lib/common.sh': true,
      'sub/lib/x.sh': true,
      'sub/003-c': true,
      'sub/004-d.sh': false,
      '.git/hook': true,
    });
    const scan = await scanHookFiles(root);
    expect(scan.files.map((f) => f.relative)).toEqual(['001-a.sh', '002-b.py', 'sub/003-c']);
    expect(scan.files.map((f) => f.hasExtension)).toEqual([true, true, false]);
    expect(scan.warnings).toHaveLength(2);
    expect(scan.warnings.find((w) => w.startsWith('sub/004-d.sh'))).toMatch(/chmod \+x/);
    expect(scan.warnings.find((w) => w.startsWith('lib/common.sh'))).toMatch(/lib/);
  });

  it('skips venv/ only for module hooks', async () => {
    const root = await tree({ 'venv/bin/x.sh': true, 'a.sh': true });
    expect((await scanHookFiles(root)).files.map((f) => f.relative)).toEqual(['a.sh', 'venv/bin/x.sh']);
    expect((await scanHookFiles(root, { skipVenv: true })).files.map((f) => f.relative)).toEqual(['a.sh']);
  });

  it('names module hooks from hooks/, shell hooks before batch hooks, each in path order', async () => {
    const { runner, logger } = fixtureRunner();
    const demo = await runner.moduleHooks('demo');
    expect(demo.map((h) => h.name)).toEqual([
      'hooks/bad-object-patch.sh',
      'hooks/crash.sh',
      'hooks/daemon.sh',
      'hooks/exit3.sh',
      'hooks/fail-after-output.sh',
      'hooks/flood.sh',
      'hooks/hang.sh',
      'hooks/log.sh',
      'hooks/malformed-patch.sh',
      'hooks/noext',
      'hooks/patches.sh',
      'hooks/probe.sh',
      'hooks/stderr-ok.sh',
      'hooks/sub/nested.sh',
      'hooks/yaml-patch.sh',
    ]);
    expect(logger.records.some((r) => r.level === 'warn' && r.msg?.startsWith('not-executable.sh'))).toBe(
      true,
    );
    const patches = demo.find((h) => h.name === 'hooks/patches.sh');
    expect(patches?.orders).toEqual({ afterHelm: 5 });
    expect(patches?.schedule).toEqual([
      { name: 'every-minute', crontab: '* * * * *', queue: 'main', allowFailure: false },
    ]);
    expect(demo.find((h) => h.name === 'hooks/sub/nested.sh')?.orders).toEqual({ beforeHelm: 2 });
  });

  it('an extension-less file answering "hook config" but listing no hooks is neither batch nor shell hook', async () => {
    const { runner, logger } = fixtureRunner();
    const hooks = await runner.moduleHooks('batch');
    expect(hooks.map((h) => h.name)).not.toContain('hooks/readiness-only');
    expect(logger.records.some((r) => r.fields.hook === 'hooks/readiness-only' && r.level === 'warn')).toBe(
      true,
    );
  });

  it('names global hooks from hooks/ when the global dir has that sub-directory, else relative to it', async () => {
    const nested = fixtureRunner({ globalHooksDir: join(fixtures, 'hooks-global') });
    const flat = fixtureRunner({ globalHooksDir: join(fixtures, 'hooks-global-flat') });
    expect((await nested.runner.globalHooks()).map((h) => [h.name, h.orders])).toEqual([
      ['hooks/010-startup.sh', { onStartup: 10 }],
    ]);
    expect((await flat.runner.globalHooks()).map((h) => [h.name, h.orders])).toEqual([
      ['010-startup.sh', { onStartup: 10, beforeAll: 5 }],
    ]);
    expect(nested.logger.records.some((r) => r.level === 'warn' && r.msg?.startsWith('lib/common.sh'))).toBe(
      true,
    );
  });

  it('a module without a hooks directory has no hooks', async () => {
    const { runner } = fixtureRunner();
    expect(await runner.moduleHooks('no-such-module')).toEqual([]);
    const none = fixtureRunner({ moduleHooksDir: () => undefined });
    expect(await none.runner.moduleHooks('demo')).toEqual([]);
  });
});
