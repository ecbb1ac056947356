// The public API of @converge/testing, by name (docs/api.md lists each one; `npm run lint` checks both).
export { type CodeHook, CodeHookRunner, type HookInput, type HookOutput } from './code-hooks.js';
export { type CodeGlobal, type CodeModule, CodeModuleSource, type InlineChart } from './code-modules.js';
export {
  type ApiRequestRecord,
  type KubeApiServer,
  type KubeApiServerOptions,
  type KubeconfigOptions,
  startKubeApiServer,
} from './kube-api/kube-api-server.js';
export { MemoryConfigSource } from './memory-config-source.js';
export { type PostgresServer, type StartPostgresOptions, startPostgres } from './postgres-server.js';
export { createTestEngine, type TestEngine, type TestEngineOptions } from './test-engine.js';
