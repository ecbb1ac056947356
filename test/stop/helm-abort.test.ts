import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HelmCliReleaseExecutor, HelmCommandError } from '@converge/helm';
import { afterEach, describe, expect, it } from 'vitest';
import { liveGroupMembers, waitForFile, writeSleepingHelm } from './stuck-modules.js';

let root: string | undefined;

afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('the helm CLI executor on stop', () => {
  it.each([
    ['status', (h: HelmCliReleaseExecutor, signal: AbortSignal) => h.status('stuck', { signal })],
    ['uninstall', (h: HelmCliReleaseExecutor, signal: AbortSignal) => h.uninstall('stuck', { signal })],
    ['list', (h: HelmCliReleaseExecutor, signal: AbortSignal) => h.list({ signal })],
  ] as const)('an aborted %s ends the stuck helm process group and rejects as aborted', async (_, call) => {
    root = mkdtempSync(join(tmpdir(), 'converge-helm-stop-'));
    const pidFile = join(root, 'pid');
    const helm = new HelmCliReleaseExecutor({
      namespace: 'default',
      charts: () => undefined,
      helm: writeSleepingHelm(root, pidFile),
    });
    const controller = new AbortController();
    const pending = call(helm, controller.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    const pgid = Number(await waitForFile(pidFile));
    expect(liveGroupMembers(pgid).length).toBeGreaterThan(0);
    const started = performance.now();
    controller.abort();
    const error = await pending;
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(error).toBeInstanceOf(HelmCommandError);
    expect(error).toMatchObject({ aborted: true });
    expect((error as Error).message).toContain('aborted');
    expect(liveGroupMembers(pgid)).toEqual([]);
  });
});
