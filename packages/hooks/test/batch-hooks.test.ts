import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchItemCount } from '../src/batch-hook.js';
import { fixtureRunner, modulesDir, request } from './support.js';

let tmpRoot: string;
beforeAll(async () => {
  tmpRoot = await mkdtemp(join(tmpdir(), 'converge-batch-'));
});
afterAll(async () => {
  await rm(tmpRoot, { recursive: true, force: true });
});

async function batchRunner() {
  const r = fixtureRunner({ tmpDir: tmpRoot });
  const hooks = await r.runner.moduleHooks('batch');
  return { ...r, hooks };
}

describe('module-sdk batch hooks', () => {
  it('TV-80 "Found N items" with N >= 1 marks a batch binary; "Found 0 items" does not', () => {
    expect(batchItemCount('Found 2 items:\n0 - subfolder/nodes\n1 - cleanup\n')).toBe(2);
    expect(batchItemCount('Found 0 items:\n')).toBe(0);
    expect(batchItemCount('usage: hook [command]')).toBe(0);
    expect(batchItemCount('Found 10000 items:')).toBe(0);
  });

  it('TV-80 registers every hook of the binary as <file>:<name>:<index>, in group main', async () => {
    const { hooks, runner } = await batchRunner();
    expect(hooks.map((h) => h.name)).toEqual([
      'hooks/batchhooks:cleanup:0',
      'hooks/batchhooks:subfolder/nodes:1',
      'hooks/batchhooks:boom:2',
    ]);
    expect(hooks[0]?.orders).toEqual({ beforeDeleteHelm: 10 });
    const nodes = hooks[1];
    expect(nodes?.orders).toEqual({ afterHelm: 1 });
    expect(nodes?.kubernetes).toEqual([
      {
        name: 'nodes',
        queue: 'main',
        group: 'main',
        executeHookOnSynchronization: true,
        waitForSynchronization: true,
        allowFailure: false,
      },
    ]);
    expect(nodes?.watches).toEqual([
      {
        name: 'nodes',
        selector: { apiVersion: 'v1', kind: 'Node' },
        executeHookOnEvent: [],
        keepFullObjectsInMemory: false,
        includeSnapshotsFrom: ['nodes'],
        jqFilter: '{name: .metadata.name}',
      },
    ]);
    expect(runner.loadedHook('batch', 'hooks/batchhooks:subfolder/nodes:1')?.argv).toEqual([
      join(modulesDir, 'batch', 'hooks', 'batchhooks'),
      'hook',
      'run',
      '1',
    ]);
  });

  it('runs a beforeDeleteHelm hook as "hook run 0" with MODULE_NAME and empty APPLICATION_* variables', async () => {
    const { runner } = await batchRunner();
    const result = await runner.run(
      request('batch', 'hooks/batchhooks:cleanup:0', {
        binding: 'beforeDeleteHelm',
        bindingContexts: [{ binding: 'beforeDeleteHelm' }],
      }),
    );
    expect(result).toEqual({
      ok: true,
      valuesPatch: [{ op: 'add', path: '/batch/cleaned', value: 'batch//' }],
      configValuesPatch: [],
      objectPatches: [],
      metrics: [],
    });
  });

  it('hands a kubernetes Group context with snapshots to "hook run 1" and reads its outputs', async () => {
    const { runner } = await batchRunner();
    const contexts = [
      {
        binding: 'nodes',
        type: 'Group',
        groupName: 'main',
        snapshots: { nodes: [{ filterResult: { name: 'n1' } }] },
      },
    ];
    const result = await runner.run(
      request('batch', 'hooks/batchhooks:subfolder/nodes:1', {
        binding: 'kubernetes',
        bindingContexts: contexts,
      }),
    );
    expect(result).toEqual({
      ok: true,
      valuesPatch: [{ op: 'add', path: '/batch/contexts', value: contexts }],
      configValuesPatch: [],
      objectPatches: [],
      metrics: [{ name: 'nodes', action: 'set', value: 1, group: 'hooks/batchhooks:subfolder/nodes:1' }],
    });
  });

  it('TV-83 a failing "hook run" fails with its stderr message; its output files are not read', async () => {
    const { runner } = await batchRunner();
    expect(await runner.run(request('batch', 'hooks/batchhooks:boom:2'))).toEqual({
      ok: false,
      error: 'exit status 1: {"message":"execute: hook reconcile func: boom"}',
    });
  });
});
