// Shell hook run through converge (binding context, values files, patch files, JSON parsing)
// vs spawning the same script bare. Both run the script to completion N times, sequentially.
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ProcessHookRunner } from '@converge/hooks';

const HOOK = `#!/usr/bin/env bash
if [[ "$1" == "--config" ]]; then echo '{"configVersion":"v1","beforeHelm":1}'; exit 0; fi
if [[ -n "$VALUES_JSON_PATCH_PATH" ]]; then
  echo '[{"op":"add","path":"/demo/ran","value":true}]' > "$VALUES_JSON_PATCH_PATH"
fi
`;

function bare(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(script, [], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
  });
}

export async function shellHookBench(rounds = 60) {
  const dir = mkdtempSync(join(tmpdir(), 'converge-hook-bench-'));
  const hooksDir = join(dir, 'demo', 'hooks');
  mkdirSync(hooksDir, { recursive: true });
  const script = join(hooksDir, 'patch.sh');
  writeFileSync(script, HOOK);
  chmodSync(script, 0o755);
  const runner = new ProcessHookRunner({ moduleHooksDir: () => hooksDir });
  const [def] = await runner.moduleHooks('demo');
  const request = {
    hook: { module: 'demo', name: def.name },
    binding: 'beforeHelm',
    bindingContexts: [{ binding: 'beforeHelm', snapshots: {} }],
    values: {
      global: { discovery: { clusterDomain: 'cluster.local' } },
      demo: { replicas: 2, image: 'nginx:1.27' },
    },
    configValues: { global: {}, demo: { replicas: 2 } },
    timeoutMs: 0,
  };
  // Warm up both paths.
  for (let i = 0; i < 5; i++) {
    await bare(script);
    await runner.run(request);
  }
  let bareMs = Infinity;
  let viaMs = Infinity;
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    for (let i = 0; i < rounds; i++) await bare(script);
    bareMs = Math.min(bareMs, (performance.now() - t0) / rounds);
    t0 = performance.now();
    for (let i = 0; i < rounds; i++) {
      const res = await runner.run(request);
      if (!res.ok || res.valuesPatch.length !== 1) throw new Error(`hook run failed: ${JSON.stringify(res)}`);
    }
    viaMs = Math.min(viaMs, (performance.now() - t0) / rounds);
  }
  rmSync(dir, { recursive: true, force: true });
  return { bareMs, viaMs };
}
