import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestEngine, type TestEngine } from '@converge/testing';
import { afterEach, describe, expect, it } from 'vitest';

/** `createTestEngine({ kubeApi: true })`: hooks that call kubectl talk to the engine's in-memory cluster. */

let t: TestEngine | undefined;
let root: string | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
  if (root) rmSync(root, { recursive: true, force: true });
});

const HOOK = `#!/usr/bin/env bash
set -euo pipefail
if [[ "\${1:-}" == "--config" ]]; then
  echo '{"configVersion":"v1","beforeHelm":1,"kubernetes":[{"name":"made","apiVersion":"v1","kind":"ConfigMap","nameSelector":{"matchNames":["from-hook"]},"executeHookOnSynchronization":false,"jqFilter":".data"}]}'
  exit 0
fi
if [[ "$(jq -r '.[0].binding' "$BINDING_CONTEXT_PATH")" == "beforeHelm" ]]; then
  kubectl create configmap from-hook --from-literal=greeting=hi >/dev/null
  seeds=$(kubectl get configmaps -l app=seed -o name | wc -l)
  echo "[{\\"op\\":\\"add\\",\\"path\\":\\"/demo/seeds\\",\\"value\\":$seeds}]" > "$VALUES_JSON_PATCH_PATH"
else
  echo "[{\\"op\\":\\"add\\",\\"path\\":\\"/demo/seen\\",\\"value\\":$(jq -c '.[0].object.data // .[0].filterResult' "$BINDING_CONTEXT_PATH")}]" > "$VALUES_JSON_PATCH_PATH"
fi
`;

describe('the test kit with kubeApi: true', () => {
  it('serves the in-memory cluster to kubectl in hooks: a hook creates and lists objects, a watch sees the creation', async () => {
    root = mkdtempSync(join(tmpdir(), 'converge-kubectl-hooks-'));
    const hooks = join(root, 'modules', '010-demo', 'hooks');
    mkdirSync(hooks, { recursive: true });
    writeFileSync(join(root, 'modules', 'values.yaml'), 'demoEnabled: true\n');
    writeFileSync(join(hooks, 'make.sh'), HOOK);
    chmodSync(join(hooks, 'make.sh'), 0o755);
    t = await createTestEngine({
      modulesDir: join(root, 'modules'),
      kubeApi: true,
      objects: [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'seed-1', namespace: 'default', labels: { app: 'seed' } },
        },
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'seed-2', namespace: 'default', labels: { app: 'seed' } },
        },
      ],
    });
    await t.start();
    expect(t.kubeconfig).toBeTruthy();
    const made = t.cluster.get({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: 'default',
      name: 'from-hook',
    });
    expect(made?.data).toEqual({ greeting: 'hi' });
    expect(t.values('demo')).toMatchObject({ seeds: 2, seen: { greeting: 'hi' } });
    expect(
      t.kubeApi?.requests.some(
        (r) => r.method === 'POST' && r.path === '/api/v1/namespaces/default/configmaps',
      ),
    ).toBe(true);
  });
});
