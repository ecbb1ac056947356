import type { KubeObject } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { defineHook } from '../src/index.js';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const configMap = (name: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data: { k: 'v' },
});

describe('defineHook', () => {
  it('TV-85 TV-86 TV-87 TV-88 a defineHook hook sees snapshots and its values patch, metric and object patch reach the engine', async () => {
    const runs: { answer: unknown; names: string[] }[] = [];
    const sdkHook = defineHook({
      name: 'hooks/sdk',
      // group 'main' as module-sdk batch hooks get (module-sdk pkg/hook.go (BatchHookConfig)): a plain Synchronization context
      // carries `objects`, which SDK hooks never see.
      config: {
        configVersion: 'v1',
        beforeHelm: 1,
        kubernetes: [
          { name: 'cms', apiVersion: 'v1', kind: 'ConfigMap', executeHookOnEvent: [], group: 'main' },
        ],
      },
      filters: { cms: (o) => ({ name: o.metadata.name }) },
      run: ({ snapshots, values, metrics, patches }) => {
        const names = (snapshots.cms ?? []).map((s) => (s as { name: string }).name);
        runs.push({ answer: values.get('myModule.answer'), names });
        values.set('myModule.seen', names);
        metrics.set('sdk_seen', names.length, { source: 'sdk' });
        patches.createIfNotExists(configMap('made-by-sdk'));
      },
    });
    t = await createTestEngine({
      objects: [configMap('seed')],
      modules: [{ name: 'my-module', values: { answer: 42 }, hooks: [sdkHook] }],
    });
    await t.start();
    await t.settle();
    // The values change re-runs the module, so the second run also sees the object the first created.
    expect(runs[0]).toEqual({ answer: 42, names: ['seed'] });
    const last = runs.at(-1)?.names;
    expect(last).toEqual(['made-by-sdk', 'seed']);
    expect(t.values('my-module')).toMatchObject({ answer: 42, seen: last });
    expect(t.metrics.get('sdk_seen', { source: 'sdk', hook: 'hooks/sdk', module: 'my-module' })).toBe(2);
    expect(
      t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'made-by-sdk' }),
    ).toMatchObject({
      data: { k: 'v' },
    });
  });

  it('a throwing hook function fails the run with its message and outputs nothing', async () => {
    const hook = defineHook({
      name: 'h',
      config: {},
      run: ({ values }) => {
        values.set('m.x', 1);
        throw new Error('boom');
      },
    });
    await expect(
      hook.run({ binding: 'onStartup', bindingContexts: [], values: {}, configValues: {}, hook: 'h' }),
    ).rejects.toThrow('boom');
  });

  it('combines values, config values, object operations and metrics into one output', async () => {
    const hook = defineHook({
      name: 'h',
      config: { configVersion: 'v1', onStartup: 1 },
      run: async ({ input, values, configValues, metrics, patches }) => {
        values.set('m.binding', input.binding);
        configValues.remove('m.old');
        configValues.remove('m.absent');
        metrics.inc('runs');
        patches.delete('v1', 'Secret', 'ns', 's');
      },
    });
    const out = await hook.run({
      binding: 'onStartup',
      bindingContexts: [{ binding: 'onStartup' }],
      values: { global: {}, m: {} },
      configValues: { m: { old: true } },
      module: 'm',
      hook: 'h',
    });
    expect(out).toEqual({
      valuesPatch: [{ op: 'add', path: '/m/binding', value: 'onStartup' }],
      configValuesPatch: [{ op: 'remove', path: '/m/old' }],
      kubernetesPatches: [
        { operation: 'Delete', apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: 's' },
      ],
      metrics: [{ name: 'runs', action: 'add', value: 1 }],
    });
  });
});
