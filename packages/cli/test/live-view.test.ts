import type { EngineState } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { LiveView } from '../src/live-view.js';

describe('the TTY view of converge run', () => {
  it('AO-91 names a module left disabled, with the flag and why, in its rows and its summary', () => {
    let text = '';
    const write = (s: string) => {
      text += s;
      return true;
    };
    const out = { columns: 400, write } as unknown as NodeJS.WriteStream;
    const state = { converge: { value: 'idle' }, modules: {} } as unknown as EngineState;
    const view = new LiveView(
      out,
      () => state,
      () => 0,
    );
    const reason =
      "`backendEnabled` is not set in the modules directory's values.yaml, by a global hook or in the config";
    view.onEvent({
      seq: 5,
      at: '2026-01-01T00:00:00.000Z',
      v: 1,
      type: 'ModuleNotEnabled',
      module: 'backend',
      convergeId: 'converge-1',
      flag: 'backendEnabled',
      reason,
    } as ConvergeEvent);
    view.draw();
    expect(text).toContain(`backend`);
    expect(text).toContain(`not enabled`);
    view.stop('converged: 0 modules ready');
    expect(text.endsWith(`converged: 0 modules ready\nmodule backend is not enabled: ${reason}\n`)).toBe(
      true,
    );
  });
});
