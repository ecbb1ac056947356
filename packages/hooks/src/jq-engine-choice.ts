import type { JqEngine } from '@converge/runtime';
import { findOnPath } from './hook-env.js';
import { JqProcessEngine } from './jq-process-engine.js';
import { JqWasmEngine } from './jq-wasm.js';

/** A jq engine for jqFilters and JQPatch, with a compile check, closed when the engine stops. */
export interface ClosableJqEngine extends JqEngine {
  check(filter: string): string | undefined;
  close(): void;
}

/**
 * The fastest correct jq engine available (docs/performance.md): long-lived `jq` processes when a jq
 * binary is installed (`JQ_BIN`, else `jq` on PATH), else the WebAssembly jq in process.
 */
export async function createJqEngine(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ClosableJqEngine> {
  if (env.JQ_BIN || findOnPath('jq', env.PATH))
    return new JqProcessEngine(env.JQ_BIN ? { jq: env.JQ_BIN } : {});
  return JqWasmEngine.load();
}
