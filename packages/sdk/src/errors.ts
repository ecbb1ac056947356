import { ConvergeError } from '@converge/protocol';

/** A hook used an SDK helper in a way module-sdk rejects (bad path, source file outside `hooks/`). */
export class SdkUsageError extends ConvergeError {
  readonly code = 'SDK_USAGE';
}
