// The public API of @converge/hooks, by name (docs/api.md lists each one; `npm run lint` checks both).
export { decodesAsBatchConfig } from './batch-hook.js';
export { BUNDLED_JQ_DIR, findOnPath, type HookEnvOptions } from './hook-env.js';
export {
  HookOutputError,
  parseMetricsFile,
  parseObjectPatchFile,
  parseValuesPatchFile,
} from './hook-output-files.js';
export { ProcessHookRunner, type ProcessHookRunnerOptions } from './hook-runner.js';
export { type ClosableJqEngine, createJqEngine } from './jq-engine-choice.js';
export { JqProcessEngine, type JqProcessEngineOptions, jqPatchFunction } from './jq-process-engine.js';
export { JqWasmEngine } from './jq-wasm.js';
export { type LoadModulesDirOptions, loadModulesDir } from './modules-dir.js';
export { ModulesDirError } from './modules-dir-files.js';
