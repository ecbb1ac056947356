import { replay } from '@converge/core';
import { bindingContextFileSchema } from '@converge/protocol';
import type { CodeHook, HookInput, HookOutput, TestEngine } from '@converge/testing';
import { afterEach, expect } from 'vitest';

/** Records every hook call in order, as `<module>/<hook>:<binding>` (or `<hook>:<binding>`). */
export class CallLog {
  readonly calls: { name: string; input: HookInput }[] = [];
  get names(): string[] {
    return this.calls.map((c) => c.name);
  }
  of(hook: string): HookInput[] {
    return this.calls.filter((c) => c.name.split(':')[0].endsWith(hook)).map((c) => c.input);
  }
  clear(): void {
    this.calls.length = 0;
  }
}

export type Behaviour = (
  input: HookInput,
  call: number,
) => HookOutput | undefined | Promise<HookOutput | undefined>;

/** A recorded in-code hook: `behaviour` gets the 1-based call number; throwing fails the run. */
export function hook(
  log: CallLog,
  name: string,
  config: Record<string, unknown>,
  behaviour?: Behaviour,
): CodeHook {
  let n = 0;
  return {
    name,
    config: { configVersion: 'v1', ...config },
    run: async (input) => {
      // Every binding context the engine hands a hook must match the protocol's schema (shell-operator pkg/hook/binding_context/binding_context.go).
      bindingContextFileSchema.parse(input.bindingContexts);
      n++;
      log.calls.push({ name: `${input.module ? `${input.module}/` : ''}${name}:${input.binding}`, input });
      return behaviour?.(input, n);
    },
  };
}

/** Fails the first `times` calls with `message`, then succeeds. */
export const failTimes =
  (times: number, message = 'boom'): Behaviour =>
  (_input, call) => {
    if (call <= times) throw new Error(message);
    return undefined;
  };

export const alwaysFail =
  (message = 'boom'): Behaviour =>
  () => {
    throw new Error(message);
  };

/** A plain-YAML chart rendering one ConfigMap named `<module>-marker`. */
export function markerChart(
  module: string,
  data: Record<string, string> = { a: '1' },
): Record<string, string> {
  const lines = Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`);
  return {
    'Chart.yaml': `apiVersion: v2\nname: ${module}\nversion: 0.1.0\n`,
    'templates/cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${module}-marker\ndata:\n${lines.join('\n')}\n`,
  };
}

/** Delays between consecutive RetryScheduled events of a module, in ms. */
export function retryDelays(
  events: readonly { type: string; module?: string; delayMs?: number }[],
  module?: string,
): number[] {
  return events
    .filter((e) => e.type === 'RetryScheduled' && (module === undefined || e.module === module))
    .map((e) => e.delayMs as number);
}

/** The parts of engine state a replay must reproduce exactly. */
export function observableState(state: import('@converge/core').EngineState) {
  return {
    seq: state.seq,
    startup: state.startup.value,
    converge: [state.converge.value, state.converge.context],
    modules: Object.fromEntries(Object.entries(state.modules).map(([m, s]) => [m, [s.value, s.context]])),
    enabled: state.enabled,
    configValues: state.configValues,
    valuesPatches: state.valuesPatches,
    errors: state.errors,
  };
}

/**
 * The shared afterEach of engine tests: replaying the recorded log without any executor must
 * rebuild the live state; then the engine is stopped. Call it at the top of a test file.
 */
export function checkReplayThenStop(get: () => TestEngine | undefined, clear: () => void): void {
  afterEach(async () => {
    const t = get();
    if (t) expect(observableState(replay(t.events))).toEqual(observableState(t.state));
    await t?.stop();
    clear();
  });
}
