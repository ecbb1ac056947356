/** Reasons the test API server answers with, as the Kubernetes API names them. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'BadRequest'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'Expired'
  | 'Gone'
  | 'UnsupportedMediaType'
  | 'NotAcceptable';

const CODES: Record<StatusReason, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  BadRequest: 400,
  Invalid: 422,
  MethodNotAllowed: 405,
  Expired: 410,
  Gone: 410,
  UnsupportedMediaType: 415,
  NotAcceptable: 406,
};

/** A request the server refuses; becomes a `Status` object with the reason's HTTP code. */
export class ApiStatusError extends Error {
  readonly code: number;
  constructor(
    readonly reason: StatusReason,
    message: string,
    readonly details?: { name?: string; group?: string; kind?: string },
  ) {
    super(message);
    this.code = CODES[reason];
  }

  /** The `meta.k8s.io/v1 Status` body. */
  toStatus(): Record<string, unknown> {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

/** `<plural>[.<group>] "<name>" not found`, as the API server words it. */
export function notFound(plural: string, group: string, name: string): ApiStatusError {
  return new ApiStatusError('NotFound', `${plural}${group ? `.${group}` : ''} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}
