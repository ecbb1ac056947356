// The public API of @converge/helm, by name (docs/api.md lists each one; `npm run lint` checks both).
export { HelmCliReleaseExecutor, type HelmCliReleaseExecutorOptions } from './helm-cli-executor.js';
export { HelmCommandError, type HelmRunOptions } from './helm-process.js';
export {
  InMemoryReleaseStore,
  type InMemoryReleaseStoreOptions,
  type SeedRelease,
} from './in-memory-release-store.js';
export { OWNER_LABEL } from './release-ownership.js';
export { type RenderChartOptions, renderChart } from './render-chart.js';
export { extractedBinary, type ResolveHelmOptions, resolveHelm } from './resolve-helm.js';
