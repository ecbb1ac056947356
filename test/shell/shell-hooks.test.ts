import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replay } from '@converge/core';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { observableState, retryDelays } from '../support/recorder.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'shell-modules');
let root: string;
let t: TestEngine | undefined;

/**
 * A fresh copy of the fixture: hooks log to calls.log there and read fail-<hook> files there. The
 * batch protocol is proven with a real module-sdk binary in test/go-hooks.
 */
async function start(options: { failing?: Record<string, number> } = {}) {
  root = mkdtempSync(join(tmpdir(), 'converge-shell-'));
  cpSync(fixture, root, { recursive: true });
  for (const [hook, n] of Object.entries(options.failing ?? {}))
    writeFileSync(join(root, `fail-${hook}`), String(n));
  t = await createTestEngine({
    modulesDir: join(root, 'modules'),
  });
  await t.start();
  return t;
}

const calls = () =>
  existsSync(join(root, 'calls.log'))
    ? readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean)
    : [];

afterEach(async () => {
  if (t) expect(observableState(replay(t.events))).toEqual(observableState(t.state));
  await t?.stop();
  t = undefined;
  rmSync(root, { recursive: true, force: true });
});

const marker = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a-marker' };

describe('AO scenarios with real shell hooks (bash fixtures that log each call)', () => {
  it('AO-46 AO-53 a first run: onStartup, beforeHelm, install, afterHelm; AO-55 the afterHelm patch re-runs once', async () => {
    await start();
    expect(calls()).toEqual([
      'a/startup:onStartup',
      'a/before:beforeHelm',
      'a/after:afterHelm',
      'a/before:beforeHelm',
      'a/after:afterHelm',
    ]);
    expect(t!.releases().map((r) => r.name)).toEqual(['a']);
    expect(t!.values('a')).toMatchObject({ greeting: 'hello', afterHelmRan: true });
    expect(t!.state.modules.a.value).toBe('ready');
  });

  it('AO-67 AO-68 delete runs bd2, bd1 (seeing the chart’s ConfigMap in its snapshot), uninstall, ad', async () => {
    await start();
    await t!.setConfig({ aEnabled: false });
    expect(calls().slice(5)).toEqual([
      'a/bd2:beforeDeleteHelm',
      'a/bd1:beforeDeleteHelm markers=["a-marker"]',
      'a/ad:afterDeleteHelm',
    ]);
    const order = t!.events
      .filter((e) => e.type === 'HookSucceeded' || e.type === 'HelmReleaseUninstalled')
      .map((e) => (e.type === 'HookSucceeded' ? e.hook : 'uninstall'))
      .slice(-4);
    expect(order).toEqual(['hooks/bd2.sh', 'hooks/bd1.sh', 'uninstall', 'hooks/ad.sh']);
    expect(t!.cluster.get(marker)).toBeUndefined();
  });

  it('AO-69 AO-70 a failing beforeDeleteHelm aborts the uninstall, keeps the chart objects, and retries with backoff', async () => {
    await start({ failing: { bd2: 2 } });
    await t!.setConfig({ aEnabled: false });
    expect(calls().slice(5)).toEqual(['a/bd2:beforeDeleteHelm']);
    expect(t!.cluster.get(marker)).toBeDefined();
    expect(t!.releases().map((r) => r.name)).toEqual(['a']);
    const failed = t!.events.find((e) => e.type === 'HookFailed');
    expect(failed).toMatchObject({ module: 'a', hook: 'hooks/bd2.sh', binding: 'beforeDeleteHelm' });
    expect((failed as { error: string }).error).toContain('injected failure of bd2');
    await t!.advance(5_000);
    expect(calls().slice(5)).toEqual(['a/bd2:beforeDeleteHelm', 'a/bd2:beforeDeleteHelm']);
    await t!.advance(7_000);
    expect(calls().slice(5)).toEqual([
      'a/bd2:beforeDeleteHelm',
      'a/bd2:beforeDeleteHelm',
      'a/bd2:beforeDeleteHelm',
      'a/bd1:beforeDeleteHelm markers=["a-marker"]',
      'a/ad:afterDeleteHelm',
    ]);
    const delays = retryDelays(t!.events, 'a');
    expect(delays[0]).toBe(5_000);
    expect(delays[1]).toBeGreaterThanOrEqual(6_000);
    expect(delays[1]).toBeLessThanOrEqual(6_900);
    expect(t!.cluster.get(marker)).toBeUndefined();
  });

  it('AO-56 a failing beforeHelm retries from beforeHelm without onStartup', async () => {
    await start({ failing: { before: 1 } });
    expect(calls()).toEqual(['a/startup:onStartup', 'a/before:beforeHelm']);
    await t!.advance(5_000);
    expect(calls().slice(0, 3)).toEqual([
      'a/startup:onStartup',
      'a/before:beforeHelm',
      'a/before:beforeHelm',
    ]);
    expect(t!.state.modules.a.value).toBe('ready');
  });
});
