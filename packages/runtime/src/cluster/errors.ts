import { ConvergeError, type ObjectRef } from '@converge/protocol';

/** A kubernetes binding monitor could not start, or its filter failed on an object. */
export class BindingMonitorError extends ConvergeError {
  readonly code = 'BINDING_MONITOR';
  constructor(
    message: string,
    readonly binding: string,
    readonly object?: ObjectRef,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
