// An operator on createEngine against a real Kubernetes API: KubeCluster for watches and object
// patches, the helm CLI for releases, and the addon-operator ConfigMap for config.
//   node operator.mjs --kubeconfig ~/.kube/config [--context C] [--namespace NS] [--once]
//   node operator.mjs --test-api --once   # no cluster: the test Kubernetes API server, in process
import './node-version.mjs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { HelmCliReleaseExecutor } from '@converge/helm';
import { createJqEngine, jqPatchFunction, loadModulesDir, ProcessHookRunner } from '@converge/hooks';
import { KubeCluster, KubeConfigMapSource, loadKubeConfig } from '@converge/kube';
import { createEngine, createLogger } from '@converge/runtime';

const { values: args } = parseArgs({
  options: {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string', default: 'default' },
    'test-api': { type: 'boolean', default: false },
    once: { type: 'boolean', default: false },
  },
});
const modulesDir = join(import.meta.dirname, 'modules');
const namespace = args.namespace;
let { kubeconfig, context } = args;
let testApi;
if (args['test-api']) {
  const { startKubeApiServer } = await import('@converge/testing');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  testApi = await startKubeApiServer();
  kubeconfig = testApi.writeKubeconfig(join(mkdtempSync(join(tmpdir(), 'kube-operator-')), 'kubeconfig'));
  console.log(`test Kubernetes API server at ${testApi.url}`);
}

// snippet:start kube
const kubeConfig = loadKubeConfig({ kubeconfig, context });
const jq = await createJqEngine();
const modules = await loadModulesDir(modulesDir);
const cluster = new KubeCluster(kubeConfig, { jq: jqPatchFunction(jq) });
const config = new KubeConfigMapSource(kubeConfig, { namespace });
const engine = createEngine({
  modules,
  hooks: new ProcessHookRunner({ moduleHooksDir: (m) => modules.hooksDir(m), jq }),
  releases: new HelmCliReleaseExecutor({
    namespace,
    charts: (m) => modules.chartDir(m),
    kubeconfig,
    kubeContext: kubeConfig.getCurrentContext(),
    cluster,
    statusSource: 'secrets',
  }),
  cluster,
  config,
  namespace,
  jq,
  logger: createLogger({ level: 'warn' }),
});
engine.events$.subscribe((e) => console.log(`${e.seq} ${e.type}${e.module ? ` ${e.module}` : ''}`));
await engine.start();
// snippet:end kube

const stop = async (code = 0) => {
  await engine.stop();
  cluster.close();
  config.close();
  jq.close();
  await testApi?.close();
  process.exit(code);
};
process.on('SIGINT', () => stop(130));
process.on('SIGTERM', () => stop(143));
if (args.once) {
  engine.idle$.subscribe(async (idle) => {
    const ready = engine.state.enabled.every((m) => engine.state.modules[m]?.value === 'ready');
    if (idle && engine.state.startup.value === 'ready' && ready) {
      const greeter = await cluster.list({ apiVersion: 'v1', kind: 'ConfigMap', names: ['greeter'] });
      console.log('converged:', JSON.stringify(greeter[0]?.data ?? null));
      await stop();
    }
  });
}
