import { ConvergeError, type ObjectRef } from '@converge/protocol';
import { describeRef } from './object-identity.js';

/** One object-patch operation that failed: which operation, on which object, and why. */
export interface ObjectPatchFailure {
  operation: string;
  object: ObjectRef;
  reason: string;
}

/**
 * One or more object-patch operations failed. Every operation of the batch was attempted;
 * `failures` lists those that failed in order, the first also as `operation`, `object`, `reason`.
 */
export class ObjectPatchError extends ConvergeError {
  readonly code = 'OBJECT_PATCH';
  readonly operation: string;
  readonly object: ObjectRef;
  readonly reason: string;

  constructor(readonly failures: readonly ObjectPatchFailure[]) {
    super(
      failures.length === 1
        ? formatFailure(failures[0])
        : `${failures.length} object patch operations failed: ${failures.map(formatFailure).join('; ')}`,
    );
    this.operation = failures[0].operation;
    this.object = failures[0].object;
    this.reason = failures[0].reason;
  }
}

function formatFailure(f: ObjectPatchFailure): string {
  return `${f.operation} ${describeRef(f.object)}: ${f.reason}`;
}
