import type {
  ExecutorCallOptions,
  HookDefinition,
  HookRunner,
  HookRunRequest,
  HookRunResult,
} from '@converge/core';
import { type CodeHook, CodeHookRunner } from './code-hooks.js';

/**
 * In-process hooks beside the hooks of a modules directory, as addon-operator runs the Go hooks
 * compiled into it beside a module's shell and batch hooks: one list per module (the engine orders
 * it by order, then name, whatever the kind), each hook run by the runner that defined it.
 */
export class MixedHookRunner implements HookRunner {
  private readonly code: CodeHookRunner;

  constructor(
    private readonly disk: HookRunner,
    private readonly codeGlobal: CodeHook[],
    private readonly codeModules: Map<string, CodeHook[]>,
  ) {
    this.code = new CodeHookRunner(codeGlobal, codeModules);
  }

  async globalHooks(options?: ExecutorCallOptions): Promise<HookDefinition[]> {
    return [...(await this.disk.globalHooks(options)), ...(await this.code.globalHooks())];
  }

  async moduleHooks(module: string, options?: ExecutorCallOptions): Promise<HookDefinition[]> {
    return [...(await this.disk.moduleHooks(module, options)), ...(await this.code.moduleHooks(module))];
  }

  run(request: HookRunRequest): Promise<HookRunResult> {
    const { module, name } = request.hook;
    const own = module ? this.codeModules.get(module) : this.codeGlobal;
    return own?.some((h) => h.name === name) ? this.code.run(request) : this.disk.run(request);
  }
}
