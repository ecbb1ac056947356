import type { JsonPatchOperation } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from '../support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

const ofType = <T extends string>(t: TestEngine, type: T) =>
  t.events.filter((e) => e.type === type) as Extract<TestEngine['events'][number], { type: T }>[];

describe('module enablement (addon-operator pkg/module_manager/scheduler/extenders/, addon-operator pkg/module_manager/models/modules/basic.go (RunEnabledScript), docs/conformance.md)', () => {
  it('AO-89 enabled functions see global.enabledModules of the modules enabled before them; module hooks do not', async () => {
    const log = new CallLog();
    const seen: Record<string, unknown> = {};
    const record = (name: string) => (input: { values: Record<string, unknown> }) => {
      seen[name] = (input.values.global as { enabledModules?: unknown }).enabledModules;
      return true;
    };
    t = await createTestEngine({
      modules: [
        { name: 'a', order: 10 },
        { name: 'd', order: 15, enabled: false },
        { name: 'b', order: 20, enabled: record('b'), hooks: [hook(log, 'hooks/h', { beforeHelm: 1 })] },
        { name: 'c', order: 30, enabled: record('c') },
      ],
    });
    await t.start();
    expect(seen).toEqual({ b: ['a'], c: ['a', 'b'] });
    expect(t.state.enabled).toEqual(['a', 'b', 'c']);
    const [input] = log.of('hooks/h');
    expect(input.values.global).not.toHaveProperty('enabledModules');
  });

  it('AO-91 extender precedence: static flag, then dynamic flag, then config flag; the enabled function vetoes last', async () => {
    let dyn: JsonPatchOperation[] = [];
    let allow = true;
    t = await createTestEngine({
      globalHooks: [
        hook(new CallLog(), 'g.sh', { schedule: [{ crontab: '*/5 * * * *' }] }, () => ({ valuesPatch: dyn })),
      ],
      modules: [
        { name: 'a', order: 10, enabled: () => allow },
        { name: 'b', order: 20, enabled: false },
      ],
      config: { bEnabled: true },
    });
    const steps: [string, string][] = [];
    let seen = 0;
    const record = () => {
      for (const e of t!.events.slice(seen)) {
        if ((e.type === 'ModuleEnabled' || e.type === 'ModuleDisabled') && e.module === 'a')
          steps.push([e.type, e.reason]);
      }
      seen = t!.events.length;
      return [...t!.state.enabled].sort();
    };
    await t.start();
    // b: static false, config true → enabled (config overrides the static flag).
    expect(record()).toEqual(['a', 'b']);
    expect(ofType(t, 'ModuleEnabled').find((e) => e.module === 'b')?.reason).toBe('enabled by KubeConfig');
    // Config false overrides static true.
    await t.setConfig({ bEnabled: true, aEnabled: false });
    expect(record()).toEqual(['b']);
    await t.setConfig({ bEnabled: true });
    expect(record()).toEqual(['a', 'b']);
    // A global hook's dynamic flag overrides the static flag.
    dyn = [{ op: 'add', path: '/aEnabled', value: false }];
    await t.tick('*/5 * * * *');
    expect(record()).toEqual(['b']);
    // The config flag overrides the dynamic one; removing it brings the dynamic flag back.
    await t.setConfig({ bEnabled: true, aEnabled: true });
    expect(record()).toEqual(['a', 'b']);
    await t.setConfig({ bEnabled: true });
    expect(record()).toEqual(['b']);
    dyn = [{ op: 'add', path: '/aEnabled', value: true }];
    await t.tick('*/5 * * * *');
    expect(record()).toEqual(['a', 'b']);
    // Everything says yes, the enabled function says no (re-evaluated on a config change).
    allow = false;
    await t.setConfig({ bEnabled: true, global: { x: 1 } });
    expect(record()).toEqual(['b']);
    expect(steps).toEqual([
      ['ModuleEnabled', 'enabled by Static'],
      ['ModuleDisabled', 'disabled by KubeConfig'],
      ['ModuleEnabled', 'enabled by Static'],
      ['ModuleDisabled', 'disabled by DynamicallyEnabled'],
      ['ModuleEnabled', 'enabled by KubeConfig'],
      ['ModuleDisabled', 'disabled by DynamicallyEnabled'],
      ['ModuleEnabled', 'enabled by DynamicallyEnabled'],
      ['ModuleDisabled', 'disabled by ScriptEnabled'],
    ]);
  });

  it('AO-107 (Q21 fixed) a newly enabled module whose first run was drained by a converge restart still runs onStartup', async () => {
    const log = new CallLog();
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', names: { kind: 'Widget', plural: 'widgets' }, scope: 'Namespaced' },
    };
    t = await createTestEngine({
      modules: [
        {
          name: 'x',
          order: 5,
          hooks: [
            hook(log, 'hooks/h', { beforeHelm: 1 }, (_i, call) => {
              if (call === 2) throw new Error('x is busy');
              return undefined;
            }),
          ],
        },
        { name: 'a', order: 10, crds: [crd], hooks: [hook(log, 'hooks/o', { onStartup: 1 })] },
      ],
      config: { aEnabled: false, global: { v: 1 } },
    });
    await t.start();
    await t.setConfig({ aEnabled: true, global: { v: 1 } });
    // The converge that enabled a is held at x's failing run; a's first run is still queued.
    expect(t.queues().main.tasks).toContain('ModuleRun:a');
    expect(log.of('hooks/o')).toEqual([]);
    // A global change drains that converge before a ran.
    await t.setConfig({ aEnabled: true, global: { v: 2 } });
    await t.advance(10_000);
    expect(log.of('hooks/o')).toHaveLength(1);
    const runs = ofType(t, 'ModuleRunStarted').filter((e) => e.module === 'a');
    expect(runs).toEqual([expect.objectContaining({ doStartup: true })]);
    // Two converges enabled a's run: the first was drained before a ran, the restart ran it.
    expect(ofType(t, 'ConvergeStarted').map((e) => e.trigger)).toEqual([
      'Operator-Startup',
      'ReloadAll-After-KubeConfigChange',
      'ReloadAll-After-KubeConfigChange',
    ]);
    expect(
      t.cluster.get({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }),
    ).toBeDefined();
    expect(t.state.modules.a.value).toBe('ready');
  });
});
