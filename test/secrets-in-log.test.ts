import type { KubeObject } from '@converge/protocol';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { describe, expect, it } from 'vitest';
import { CallLog, checkReplayThenStop, hook } from './support/recorder.js';

let t: TestEngine | undefined;
checkReplayThenStop(
  () => t,
  () => {
    t = undefined;
  },
);

/** Values no event may ever hold: each Secret's data (base64 and decoded) and stringData. */
const secretValues = {
  base64: Buffer.from('hunter2-db-password').toString('base64'),
  decoded: 'hunter2-db-password',
  token: 'tok-4f1c9e0a7b3d',
  stringData: 'plain-api-key-77e2',
};

function secret(name: string, password = secretValues.base64): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    type: 'Opaque',
    data: { password, token: Buffer.from(secretValues.token).toString('base64') },
    stringData: { apiKey: secretValues.stringData },
  } as KubeObject;
}

/** Every secret value found anywhere in the log's JSON. */
function leaked(engine: TestEngine): string[] {
  const text = JSON.stringify(engine.events);
  const base64Token = Buffer.from(secretValues.token).toString('base64');
  return [...Object.values(secretValues), base64Token].filter((v) => text.includes(v));
}

describe('Secrets never enter the log', () => {
  it('a kubernetes binding on Secrets without a jqFilter hands the data to the hook, and the log holds only refs', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [secret('db')],
      modules: [
        {
          name: 'creds',
          hooks: [hook(log, 'hooks/creds', { kubernetes: [{ name: 'secrets', kind: 'Secret' }] })],
        },
      ],
    });
    await t.start();
    await t.cluster.apply(secret('api'));
    await t.cluster.apply({ ...secret('api'), data: { password: secretValues.base64, extra: 'ZXh0cmE=' } });
    await t.cluster.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'default', name: 'db' });
    // The hook saw the data (so the check below can fail if the data were logged)...
    const seen = JSON.stringify(log.of('hooks/creds').map((i) => i.bindingContexts));
    expect(seen).toContain(secretValues.base64);
    expect(log.of('hooks/creds').length).toBeGreaterThanOrEqual(4);
    // ...and the log recorded the events by ref only.
    expect(t.events.filter((e) => e.type === 'KubeEventObserved').map((e) => e.objectRef)).toEqual(
      expect.arrayContaining(['default/Secret/api']),
    );
    expect(leaked(t)).toEqual([]);
  });

  it('a jqFilter that fails on a Secret fails the module naming the Secret, without quoting its data', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [secret('db')],
      modules: [
        {
          name: 'creds',
          hooks: [
            hook(log, 'hooks/creds', {
              // jq quotes the value it cannot parse in its error message.
              kubernetes: [
                { name: 'secrets', kind: 'Secret', jqFilter: '.data.password | @base64d | tonumber' },
              ],
            }),
          ],
        },
      ],
    });
    await t.start();
    const failed = t.events.find((e) => e.type === 'ModuleFailed');
    expect(failed?.type === 'ModuleFailed' && failed.error).toMatch(
      /jqFilter failed on .*Secret.*db.*: its message is withheld/,
    );
    expect(leaked(t)).toEqual([]);
  });

  it('an in-code filter that throws on a Secret is withheld the same way', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [secret('db')],
      modules: [
        {
          name: 'creds',
          hooks: [
            {
              ...hook(log, 'hooks/creds', { kubernetes: [{ name: 'secrets', kind: 'Secret' }] }),
              filters: {
                secrets: (o) => {
                  const data = o.data as Record<string, string>;
                  throw new Error(`unexpected password ${data.password}`);
                },
              },
            },
          ],
        },
      ],
    });
    await t.start();
    const failed = t.events.find((e) => e.type === 'ModuleFailed');
    expect(failed?.type === 'ModuleFailed' && failed.error).toMatch(
      /filter failed on .*Secret.*db.*: its message is withheld/,
    );
    expect(leaked(t)).toEqual([]);
  });

  it('a JQPatch that fails on a Secret fails the hook without quoting the data', async () => {
    const log = new CallLog();
    t = await createTestEngine({
      objects: [secret('db')],
      modules: [
        {
          name: 'creds',
          hooks: [
            hook(log, 'hooks/rotate', { beforeHelm: 1 }, () => ({
              kubernetesPatches: [
                {
                  operation: 'JQPatch',
                  apiVersion: 'v1',
                  kind: 'Secret',
                  namespace: 'default',
                  name: 'db',
                  jqFilter: '.data.password |= (@base64d | tonumber)',
                },
              ],
            })),
          ],
        },
      ],
    });
    await t.start();
    const failed = t.events.find((e) => e.type === 'HookFailed');
    expect(failed?.type === 'HookFailed' && failed.error).toMatch(
      /JQPatch.*Secret.*db.*its message is withheld/s,
    );
    expect(leaked(t)).toEqual([]);
  });
});
