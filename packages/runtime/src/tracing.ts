import type { ConvergeEvent } from '@converge/protocol';
import {
  type Context,
  context,
  ProxyTracerProvider,
  type Span,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

/** The instrumentation scope converge's spans are created under. */
export const TRACER_NAME = '@converge/runtime';

/** Span attributes naming the log range a span covers: its first and last event's seq. */
export const SEQ_FIRST = 'converge.seq.first';
export const SEQ_LAST = 'converge.seq.last';

interface Open {
  span: Span;
  first: number;
}

const at = (e: ConvergeEvent) => new Date(e.at);

/** The API's no-op provider: what an unset global tracer provider delegates to. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/** True while no OpenTelemetry SDK is registered: spans would be dropped, so none are built. */
function noSdk(): boolean {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegate() === NOOP_PROVIDER;
}

/**
 * Turns the event stream into OpenTelemetry spans (through `@opentelemetry/api`, so nothing is
 * recorded unless the embedder registers an SDK): one per converge (`converge`), module run
 * (`module run`) and delete (`module delete`), hook run (`hook run`) and Helm operation
 * (`helm upgrade`, `helm uninstall`, ...). Each span starts and ends at its events' `at` times
 * and carries the seq range of its events (`converge.seq.first`/`converge.seq.last`), so a trace
 * leads back to the log. Hooks nest under their module's run, module runs under the converge
 * that is open. Spans still open at `EngineStopped` end there, marked unfinished. Returns the
 * function that stops observing. `tracer` defaults to the global provider's, looked up per event.
 */
export function observeTraces(
  source: { onEvent(listener: (e: ConvergeEvent) => void): () => void },
  given?: Tracer,
): () => void {
  const tracer = given ?? trace.getTracer(TRACER_NAME);
  let converge: Open | undefined;
  const runs = new Map<string, Open>();
  const hooks = new Map<string, Open>();
  /** Per module: the last event of its open run (where a Helm operation starts). */
  const lastOf = new Map<string, ConvergeEvent>();

  const start = (
    name: string,
    e: ConvergeEvent,
    parent: Open | undefined,
    attrs: Record<string, string | number | boolean>,
  ) => {
    const ctx: Context = parent ? trace.setSpan(context.active(), parent.span) : context.active();
    const span = tracer.startSpan(
      name,
      { startTime: at(e), attributes: { ...attrs, [SEQ_FIRST]: e.seq } },
      ctx,
    );
    return { span, first: e.seq };
  };
  const end = (open: Open | undefined, e: ConvergeEvent, error?: string, until = e) => {
    if (!open) return;
    open.span.setAttribute(SEQ_LAST, until.seq);
    if (error !== undefined) open.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    open.span.end(at(until));
  };
  const hookKey = (module: string | undefined, hook: string, binding: string) =>
    `${module ?? ''}\u0000${hook}\u0000${binding}`;
  const helm = (
    e: ConvergeEvent & { module: string },
    operation: string,
    attrs: Record<string, string | number>,
    error?: string,
  ) => {
    const run = runs.get(e.module);
    const from = lastOf.get(e.module) ?? e;
    const open = start(`helm ${operation}`, from, run ?? converge, {
      'converge.module': e.module,
      'helm.operation': operation,
      ...attrs,
    });
    open.span.setAttribute(SEQ_FIRST, Math.min(from.seq + 1, e.seq));
    end(open, e, error);
  };

  const off = source.onEvent((e) => {
    // Without an SDK (and a tracer given) nothing is built: the engine pays one check per event.
    if (given === undefined && converge === undefined && runs.size === 0 && hooks.size === 0 && noSdk())
      return;
    switch (e.type) {
      case 'ConvergeStarted':
        converge ??= start('converge', e, undefined, {
          'converge.id': e.convergeId,
          'converge.reason': e.reason,
        });
        break;
      case 'ConvergeCompleted':
        end(converge, e);
        converge = undefined;
        break;
      case 'ModuleRunStarted':
      case 'ModuleDeleteStarted': {
        end(runs.get(e.module), e, 'superseded by a new run');
        const name = e.type === 'ModuleRunStarted' ? 'module run' : 'module delete';
        const attrs = {
          'converge.module': e.module,
          'converge.attempt': e.attempt,
          ...(e.type === 'ModuleRunStarted'
            ? { 'converge.trigger': e.trigger, 'converge.queue': e.queue }
            : {}),
        };
        runs.set(e.module, start(name, e, converge, attrs));
        break;
      }
      case 'ModuleReady':
      case 'ModuleDeleted':
        end(runs.get(e.module), e);
        runs.delete(e.module);
        break;
      case 'ModuleFailed': {
        const run = runs.get(e.module);
        run?.span.setAttribute('converge.phase', e.phase);
        end(run, e, `${e.phase}: ${e.error}`);
        runs.delete(e.module);
        break;
      }
      case 'HookStarted': {
        // Lifecycle and Synchronization runs belong to their module's run (or the converge);
        // a kubernetes event or a schedule tick is a trace of its own.
        const event = (e.binding === 'kubernetes' || e.binding === 'schedule') && !e.synchronization;
        const parent = event ? undefined : ((e.module ? runs.get(e.module) : undefined) ?? converge);
        const attrs = {
          'converge.hook': e.hook,
          'converge.binding': e.binding,
          'converge.attempt': e.attempt,
          ...(e.module ? { 'converge.module': e.module } : {}),
          ...(e.queue ? { 'converge.queue': e.queue } : {}),
        };
        hooks.set(hookKey(e.module, e.hook, e.binding), start('hook run', e, parent, attrs));
        break;
      }
      case 'HookSucceeded':
      case 'HookFailed': {
        const key = hookKey(e.module, e.hook, e.binding);
        end(hooks.get(key), e, e.type === 'HookFailed' ? e.error : undefined);
        hooks.delete(key);
        break;
      }
      case 'HelmReleaseUpgraded':
        helm(e, 'upgrade', {
          'helm.release': e.release,
          'helm.revision': e.revision,
          ...(e.reason ? { 'helm.reason': e.reason } : {}),
        });
        break;
      case 'HelmUpgradeSkipped':
        helm(e, 'upgrade', { 'helm.release': e.release, 'helm.skipped': e.reason });
        break;
      case 'HelmReleaseUninstalled':
        helm(e, 'uninstall', { 'helm.release': e.release });
        break;
      case 'HelmOperationFailed':
        helm(e, e.operation, {}, e.error);
        break;
      case 'EngineStopped':
        for (const open of [...hooks.values(), ...runs.values(), ...(converge ? [converge] : [])]) {
          open.span.setAttribute('converge.unfinished', true);
          end(open, e);
        }
        hooks.clear();
        runs.clear();
        converge = undefined;
        break;
    }
    const module = (e as { module?: string }).module;
    if (module !== undefined) {
      if (runs.has(module)) lastOf.set(module, e);
      else lastOf.delete(module);
    }
  });
  return off;
}
