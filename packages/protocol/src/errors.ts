/**
 * Typed errors, exported with `isConvergeError()`. Failures that enter the log are events;
 * these are what a caller sees when an API call itself cannot proceed.
 */
export abstract class ConvergeError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A hook's `--config` (or batch `hook config`) could not be run, parsed or validated. */
export class HookConfigError extends ConvergeError {
  readonly code = 'HOOK_CONFIG';
  constructor(
    message: string,
    readonly file: string,
    readonly hook: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A values or config values patch broke addon-operator's patch rules (addon-operator pkg/utils/values_patch.go). */
export class ValuesPatchError extends ConvergeError {
  readonly code = 'VALUES_PATCH';
  constructor(
    message: string,
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No helm binary was found; `searched` lists every place that was looked at, in order. */
export class HelmNotFoundError extends ConvergeError {
  readonly code = 'HELM_NOT_FOUND';
  constructor(readonly searched: string[]) {
    super(`helm binary not found; searched: ${searched.join(', ')}`);
  }
}

/** A durable store holds a torn or corrupt record at `seq`. */
export class StoreCorruptionError extends ConvergeError {
  readonly code = 'STORE_CORRUPTION';
  constructor(
    message: string,
    readonly seq: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Who holds a store's writer lock, as the holder recorded it when it took the lock. */
export interface StoreHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  startedAt: string;
  runId?: string;
  /** The lease owner of a shared store (a fleet replica's ID), when the store keeps one. */
  owner?: string;
}

/** Describes a holder in one phrase: `pid 42 on host h since T (run R)`. */
export function describeStoreHolder(holder: StoreHolder): string {
  return `${holder.owner ? `owner ${holder.owner}, ` : ''}pid ${holder.pid} on host ${holder.host} since ${holder.startedAt}${holder.runId ? ` (run ${holder.runId})` : ''}`;
}

/**
 * Another writer holds the store (one writer per log). `store` is its path; `holder` is what that
 * writer recorded, or undefined when it has not recorded itself yet.
 */
export class StoreLockedError extends ConvergeError {
  readonly code = 'STORE_LOCKED';
  constructor(
    readonly store: string,
    readonly holder: StoreHolder | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${store}: the event store is locked by another writer (${holder ? describeStoreHolder(holder) : 'holder not recorded yet'}); one writer per log, readers may still read it`,
      options,
    );
  }
}

/**
 * A writer lost its stream: another writer took its lease over (a higher epoch), so this one may
 * append nothing more. `store` names the stream and where it lives (password-free); `epoch` is the
 * lease this writer held, `currentEpoch` and `holder` the lease that replaced it, when known.
 */
export class StoreFencedError extends ConvergeError {
  readonly code = 'STORE_FENCED';
  constructor(
    readonly store: string,
    readonly epoch: number,
    readonly currentEpoch: number | undefined,
    readonly holder: StoreHolder | undefined,
    options?: { cause?: unknown },
  ) {
    super(
      `${store}: this writer's lease (epoch ${epoch}) was taken over${currentEpoch !== undefined ? ` (epoch ${currentEpoch}` : ''}${holder ? `${currentEpoch !== undefined ? ', ' : ' ('}by ${describeStoreHolder(holder)})` : currentEpoch !== undefined ? ')' : ''}; it appends nothing more`,
      options,
    );
  }
}

/** A reader was pointed at a store that does not exist, is empty (0 bytes) or holds no event log. */
export class StoreNotFoundError extends ConvergeError {
  readonly code = 'STORE_NOT_FOUND';
  constructor(
    message: string,
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Replaying a log reached a state that disagrees with what the log recorded at `seq`. */
export class ReplayDivergenceError extends ConvergeError {
  readonly code = 'REPLAY_DIVERGENCE';
  constructor(
    message: string,
    readonly seq: number,
  ) {
    super(message);
  }
}

/** A schema check failed; the message names the file (when known), the field and the rule. */
export class SchemaValidationError extends ConvergeError {
  readonly code = 'SCHEMA_VALIDATION';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[],
    readonly file?: string,
  ) {
    super(message);
  }
}

/**
 * A read asked for events a bounded store no longer keeps: `fromSeq` is below `firstRetained`,
 * the oldest seq it still has (MemoryEventStore `retain`).
 */
export class EventsNotRetainedError extends ConvergeError {
  readonly code = 'EVENTS_NOT_RETAINED';
  constructor(
    message: string,
    readonly fromSeq: number,
    readonly firstRetained: number,
  ) {
    super(message);
  }
}

/**
 * This Node lacks a built-in that a package needs (`node:sqlite` came in Node 22.13). The message
 * names the Node found, the one required, and how to run with the project's Node 24.
 */
export class NodeVersionError extends ConvergeError {
  readonly code = 'NODE_VERSION';
  constructor(
    readonly needed: string,
    readonly found: string,
    what: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${what} needs Node ${needed}, found ${found}. In the converge repository the root devDependency \`node\` brings Node 24: run with \`npx node FILE\` or through an npm script (\`npm start\`, \`npm test\`), or install Node 24 (https://nodejs.org).`,
      options,
    );
  }
}

export function isConvergeError(e: unknown): e is ConvergeError {
  return e instanceof ConvergeError;
}
