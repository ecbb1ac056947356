import { createTestEngine, type HookInput, type TestEngine } from '@converge/testing';
import fc from 'fast-check';
import { markerChart } from './recorder.js';

/** Generated interleavings of enable/disable, config, cluster events, failures and time (two modules with delete hooks). */
export type Action =
  | { kind: 'toggle'; module: 'a' | 'b' }
  | { kind: 'config'; value: number }
  | { kind: 'object'; name: string; present: boolean }
  | { kind: 'advance'; ms: number }
  | { kind: 'failures'; on: boolean };

export const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('toggle' as const), module: fc.constantFrom('a' as const, 'b' as const) }),
  fc.record({ kind: fc.constant('config' as const), value: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('object' as const),
    name: fc.constantFrom('p1', 'p2', 'p3'),
    present: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('failures' as const), on: fc.boolean() }),
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', labels: { app: 'x' } },
});

/** One call the engine made to an executor, in order: a hook run or a Helm release operation. */
export type ExecutorCall =
  | { kind: 'hook'; module: string; hook: string; binding: string; ok: boolean; releaseExisted: boolean }
  | { kind: 'release'; op: 'upgrade' | 'uninstall'; module: string; ok: boolean };

export async function runScenario(actions: Action[], onCreated?: (t: TestEngine) => void) {
  const failing = { on: false };
  const calls: ExecutorCall[] = [];
  let engine: TestEngine | undefined;
  const hasRelease = (module: string) => engine?.releases().some((r) => r.name === module) ?? false;
  const maybeFail = (input: HookInput, hook: string) => {
    const module = input.module ?? '';
    const call = {
      kind: 'hook' as const,
      module,
      hook,
      binding: input.binding,
      releaseExisted: hasRelease(module),
    };
    calls.push({ ...call, ok: !failing.on });
    if (failing.on) throw new Error('injected failure');
    return undefined;
  };
  const moduleDef = (name: 'a' | 'b', order: number) => ({
    name,
    order,
    chart: markerChart(name),
    hooks: [
      {
        name: 'hooks/watch',
        config: {
          configVersion: 'v1',
          beforeDeleteHelm: 1,
          kubernetes: [
            { name: 'pods', apiVersion: 'v1', kind: 'Pod', labelSelector: { matchLabels: { app: 'x' } } },
          ],
        },
        run: (input: HookInput) => maybeFail(input, 'hooks/watch'),
      },
      {
        name: 'hooks/before',
        config: { configVersion: 'v1', beforeHelm: 1 },
        run: (input: HookInput) => maybeFail(input, 'hooks/before'),
      },
      {
        name: 'hooks/cleanup',
        config: { configVersion: 'v1', beforeDeleteHelm: 2, afterDeleteHelm: 1 },
        run: (input: HookInput) => maybeFail(input, 'hooks/cleanup'),
      },
    ],
  });
  const t = await createTestEngine({ modules: [moduleDef('a', 10), moduleDef('b', 20)] });
  engine = t;
  // What the Helm executor was asked to do, as it was asked (the engine reaches it through the store).
  const store = t.releaseStore;
  for (const op of ['upgrade', 'uninstall'] as const) {
    const real = store[op].bind(store) as (...args: unknown[]) => Promise<unknown>;
    Object.assign(store, {
      [op]: async (module: string, ...rest: unknown[]) => {
        try {
          const result = await real(module, ...rest);
          calls.push({ kind: 'release', op, module, ok: true });
          return result;
        } catch (e) {
          calls.push({ kind: 'release', op, module, ok: false });
          throw e;
        }
      },
    });
  }
  onCreated?.(t);
  const enabled = { a: true, b: true };
  let value = 0;
  const config = () => ({ global: { v: value }, aEnabled: enabled.a, bEnabled: enabled.b });
  await t.start();
  for (const a of actions) {
    switch (a.kind) {
      case 'toggle':
        enabled[a.module] = !enabled[a.module];
        await t.setConfig(config());
        break;
      case 'config':
        value = a.value;
        await t.setConfig(config());
        break;
      case 'object':
        if (a.present) await t.cluster.apply(pod(a.name));
        else await t.cluster.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'ns', name: a.name });
        break;
      case 'advance':
        await t.advance(a.ms);
        break;
      case 'failures':
        failing.on = a.on;
        break;
    }
  }
  failing.on = false;
  await t.advance(10 * 60_000);
  return { t, enabled, calls };
}
