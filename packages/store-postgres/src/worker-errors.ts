import {
  StoreCorruptionError,
  StoreFencedError,
  type StoreHolder,
  StoreLockedError,
  StoreNotFoundError,
} from '@converge/protocol';

/**
 * Errors cross the worker boundary as plain data (structured clone drops classes) and are rebuilt
 * as the same typed errors on the main thread.
 */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  seq?: number;
  store?: string;
  holder?: StoreHolder;
  epoch?: number;
  currentEpoch?: number;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const x = e as Error & Partial<SerializedError>;
  return {
    name: x.name,
    message: x.message,
    ...(typeof x.code === 'string' ? { code: x.code } : {}),
    ...(typeof x.seq === 'number' ? { seq: x.seq } : {}),
    ...(typeof x.store === 'string' ? { store: x.store } : {}),
    ...(x.holder ? { holder: x.holder } : {}),
    ...(typeof x.epoch === 'number' ? { epoch: x.epoch } : {}),
    ...(typeof x.currentEpoch === 'number' ? { currentEpoch: x.currentEpoch } : {}),
    ...(x.stack ? { stack: x.stack } : {}),
  };
}

export function deserializeError(e: SerializedError): Error {
  let error: Error;
  switch (e.code) {
    case 'STORE_CORRUPTION':
      error = new StoreCorruptionError(e.message, e.seq ?? 0);
      break;
    case 'STORE_LOCKED':
      error = new StoreLockedError(e.store ?? '', e.holder);
      break;
    case 'STORE_FENCED':
      error = new StoreFencedError(e.store ?? '', e.epoch ?? 0, e.currentEpoch, e.holder);
      break;
    case 'STORE_NOT_FOUND':
      error = new StoreNotFoundError(e.message, e.store ?? '');
      break;
    default:
      error = e.name === 'RangeError' ? new RangeError(e.message) : new Error(e.message);
      if (e.code) (error as Error & { code?: string }).code = e.code;
  }
  // The stack stays this thread's (where the store was called); the worker's is kept beside it.
  if (e.stack) Object.defineProperty(error, 'workerStack', { value: e.stack, enumerable: false });
  return error;
}
