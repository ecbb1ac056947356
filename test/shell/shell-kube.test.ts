import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { checkReplayThenStop } from '../support/recorder.js';

const fixture = join(import.meta.dirname, '..', 'fixtures', 'shell-modules');
let root = '';
let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
    rmSync(root, { recursive: true, force: true });
  },
);

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'ns', labels: { app: 'c' } },
});
const calls = () =>
  existsSync(join(root, 'calls.log'))
    ? readFileSync(join(root, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean)
    : [];
const cCalls = () => calls().filter((c) => c.startsWith('c/'));

/** Module c alone: a kubernetes + schedule shell hook with a jq projection, and a beforeHelm hook. */
async function startC() {
  root = mkdtempSync(join(tmpdir(), 'converge-shell-kube-'));
  cpSync(fixture, root, { recursive: true });
  t = await createTestEngine({
    modulesDir: join(root, 'modules'),
    objects: [pod('p1'), pod('p2')],
    config: { aEnabled: false, bEnabled: false, cEnabled: true },
  });
  await t.start();
}

describe('kubernetes and schedule bindings with real shell hooks', () => {
  it('AO-45 Synchronization (a jq projection of the current objects) runs after onStartup and before beforeHelm', async () => {
    await startC();
    expect(cCalls()).toEqual([
      'c/before:onStartup {}',
      'c/watch [{"b":"pods","t":"Synchronization","n":["p1","p2"],"o":null}]',
      'c/before:beforeHelm {}',
    ]);
    expect(t!.state.modules.c.value).toBe('ready');
  });

  it('AO-61 a watch event reaches the hook and its values change re-runs the module', async () => {
    await startC();
    await t!.cluster.apply(pod('p3'));
    const after = cCalls().slice(3);
    expect(after[0]).toBe('c/watch [{"b":"pods","t":"Event","n":[],"o":"p3"}]');
    expect(after).toContain('c/before:beforeHelm {"events":"seen"}');
    expect(t!.events.filter((e) => e.type === 'ModuleRunStarted').at(-1)).toMatchObject({
      module: 'c',
      trigger: 'Kubernetes-Change-ModuleValues',
    });
  });

  it('AO-97 a schedule tick runs the hook with its included snapshot', async () => {
    await startC();
    await t!.advance(5 * 60_000);
    expect(cCalls()).toContain('c/watch [{"b":"every-5m","t":"Schedule","n":["p1","p2"],"o":null}]');
  });
});
