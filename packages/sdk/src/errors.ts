import type { HookMetricOperation, ObjectPatchOperation } from '@converge/core';
import { ConvergeError } from '@converge/protocol';

/**
 * An SDK hook's run failed. `hookOutput` holds what is applied despite the failure, as for a
 * failed Go hook in addon-operator (pkg/module_manager/models/hooks/kind/gohook.go): the metrics
 * collected and the `/status` patches marked `ignoreHookError` (shell-operator's
 * GetPatchStatusOperationsOnHookError). The message is the hook's own error's.
 */
export class HookRunError extends ConvergeError {
  readonly code = 'HOOK_RUN';
  constructor(
    message: string,
    readonly hookOutput: { metrics: HookMetricOperation[]; kubernetesPatches: ObjectPatchOperation[] },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A hook used an SDK helper in a way module-sdk rejects (bad path, source file outside `hooks/`). */
export class SdkUsageError extends ConvergeError {
  readonly code = 'SDK_USAGE';
}
