import { ConvergeError } from '@converge/protocol';

/**
 * The API server answered a request with an error status. `status` is the HTTP code, `reason` the
 * Kubernetes Status reason (e.g. `NotFound`, `Conflict`, `Gone`), `detail` the server's message;
 * `message` names the request as well.
 */
export class KubeApiError extends ConvergeError {
  readonly code = 'KUBE_API';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly detail: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}${detail ? `: ${detail}` : ''}`);
  }
}

/** A request never got an answer: the server is unreachable, TLS failed, or the request was aborted. */
export class KubeConnectionError extends ConvergeError {
  readonly code = 'KUBE_CONNECTION';
  constructor(
    message: string,
    readonly server: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** API discovery knows no resource for this kind (and apiVersion, when one was given). */
export class UnknownKindError extends ConvergeError {
  readonly code = 'KUBE_UNKNOWN_KIND';
  constructor(
    readonly kind: string,
    readonly apiVersion: string | undefined,
    server: string,
  ) {
    super(
      apiVersion
        ? `the API server at ${server} serves no kind "${kind}" in ${apiVersion}`
        : `the API server at ${server} serves no kind "${kind}" in any API group`,
    );
  }
}

/** A kubeconfig could not be loaded, or the requested context is not in it. */
export class KubeConfigError extends ConvergeError {
  readonly code = 'KUBE_CONFIG';
  constructor(
    message: string,
    readonly path: string | undefined,
    readonly context?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The error message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
