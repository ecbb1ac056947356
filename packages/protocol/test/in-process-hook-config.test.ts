import { describe, expect, it } from 'vitest';
import { HookConfigError, parseHookConfig, parseInProcessHookConfig } from '../src/index.js';

const ctx = { file: 'hooks/x', hook: 'hooks/x', kind: 'module' as const };

describe('in-process hook config (addon-operator Go hook rules)', () => {
  it('TV-14 a fractional order is kept for an in-process hook and rejected for a shell hook', () => {
    const raw = { configVersion: 'v1', beforeHelm: 1.5, afterHelm: 2 };
    expect(parseInProcessHookConfig(raw, ctx).config.orders).toEqual({ beforeHelm: 1.5, afterHelm: 2 });
    expect(() => parseHookConfig(raw, ctx)).toThrow(/beforeHelm: must be a non-negative integer/);
  });

  it('TV-10 settings.enableSchedulesOnStartup is read, checked, and leaves the rate-limit settings alone', () => {
    const sched = { schedule: [{ crontab: '* * * * *' }] };
    const only = parseInProcessHookConfig(
      { configVersion: 'v1', ...sched, settings: { enableSchedulesOnStartup: true } },
      ctx,
    );
    expect(only.enableSchedulesOnStartup).toBe(true);
    expect(only.config.settings).toBeUndefined();
    const both = parseInProcessHookConfig(
      {
        configVersion: 'v1',
        ...sched,
        settings: { enableSchedulesOnStartup: false, executionMinInterval: '5s', executionBurst: 2 },
      },
      ctx,
    );
    expect(both).toMatchObject({
      enableSchedulesOnStartup: false,
      config: { settings: { executionMinIntervalMs: 5000, executionBurst: 2 } },
    });
    expect(() =>
      parseInProcessHookConfig(
        { configVersion: 'v1', ...sched, settings: { enableSchedulesOnStartup: 'yes' } },
        ctx,
      ),
    ).toThrow(HookConfigError);
    expect(() =>
      parseHookConfig({ configVersion: 'v1', ...sched, settings: { enableSchedulesOnStartup: true } }, ctx),
    ).toThrow(HookConfigError);
  });
});
