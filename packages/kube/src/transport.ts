import {
  type HttpMethod,
  IsomorphicFetchHttpLibrary,
  type KubeConfig,
  RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { KubeApiError, KubeConnectionError, messageOf } from './errors.js';

/** One request: path below the server URL, query parameters, a JSON body and its content type. */
export interface KubeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
}

/**
 * JSON over the API server of a client-node KubeConfig: client-node authenticates each request
 * (tokens, client certificates, exec and OIDC plugins, CA, proxy) and sends it; bodies stay plain
 * JSON (no model classes). Non-2xx answers reject with KubeApiError, network failures with
 * KubeConnectionError.
 */
export class KubeTransport {
  private readonly http = new IsomorphicFetchHttpLibrary();

  constructor(private readonly config: KubeConfig) {}

  /** The server URL of the current context. */
  get server(): string {
    const server = this.config.getCurrentCluster()?.server;
    if (!server) {
      throw new KubeConnectionError(
        `kubeconfig context "${this.config.getCurrentContext()}" has no cluster server`,
        '',
      );
    }
    return server.replace(/\/+$/, '');
  }

  /** Sends the request and returns the parsed JSON answer. */
  async json<T = unknown>(request: KubeRequest): Promise<T> {
    const response = await this.send(request);
    const text = await response.body.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Sends a watch request and calls `onLine` with each parsed line of the streamed answer until
   * the stream ends (resolves) or fails (rejects). Aborting `request.signal` ends it quietly.
   */
  async stream(request: KubeRequest, onLine: (value: unknown) => void): Promise<void> {
    const response = await this.send(request);
    const body = response.body.stream();
    if (!body) return;
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) onLine(JSON.parse(line));
          newline = buffered.indexOf('\n');
        }
      }
      const rest = buffered.trim();
      if (rest) onLine(JSON.parse(rest));
    } catch (error) {
      if (request.signal?.aborted) return;
      throw new KubeConnectionError(
        `watch ${request.path} on ${this.server} failed: ${messageOf(error)}`,
        this.server,
        { cause: error },
      );
    } finally {
      reader.releaseLock();
    }
  }

  private async send(request: KubeRequest): Promise<ResponseContext> {
    const server = this.server;
    const context = new RequestContext(server + request.path, request.method as HttpMethod);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) context.setQueryParam(key, value);
    }
    context.setHeaderParam('Accept', 'application/json');
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      context.setBody(JSON.stringify(request.body));
    }
    if (request.signal) context.setSignal(request.signal);
    let response: ResponseContext;
    try {
      await this.config.applySecurityAuthentication(context);
      response = await this.http.send(context).toPromise();
    } catch (error) {
      throw new KubeConnectionError(
        `${request.method} ${request.path}: cannot reach the API server at ${server}: ${causeOf(error)}`,
        server,
        { cause: error },
      );
    }
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return response;
    throw await apiError(request, response);
  }
}

async function apiError(request: KubeRequest, response: ResponseContext): Promise<KubeApiError> {
  const text = await response.body.text().catch(() => '');
  let reason = '';
  let message = text.trim();
  try {
    const status = JSON.parse(text) as { reason?: string; message?: string };
    reason = status.reason ?? '';
    message = status.message ?? message;
  } catch {
    // not a Status document: keep the text
  }
  if (!reason) reason = reasonOfStatus(response.httpStatusCode);
  return new KubeApiError(request.method, request.path, response.httpStatusCode, reason, message);
}

function reasonOfStatus(status: number): string {
  const reasons: Record<number, string> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    409: 'Conflict',
    410: 'Gone',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    500: 'InternalError',
    503: 'ServiceUnavailable',
  };
  return reasons[status] ?? 'Unknown';
}

/** "fetch failed" hides the reason in `cause` (e.g. ECONNREFUSED): show both. */
function causeOf(error: unknown): string {
  const message = messageOf(error);
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (!cause) return message;
  const detail = cause.code ?? cause.message;
  return detail ? `${message} (${detail})` : message;
}
