import { type AnyStateMachine, createActor, type EventFromLogic, type SnapshotFrom } from 'xstate';

type Scope = Parameters<AnyStateMachine['transition']>[2];
const scopes = new WeakMap<AnyStateMachine, Scope>();

/**
 * An inert actor scope per machine, made once. xstate's `transition()` builds a new actor
 * (and its initial snapshot) on every call; folding a log reuses one scope instead. The scope
 * runs nothing: our machines only `assign`, which xstate resolves during the transition.
 */
function scopeFor(machine: AnyStateMachine, input: unknown): Scope {
  let scope = scopes.get(machine);
  if (!scope) {
    const self = createActor(machine, { input } as never);
    scope = {
      self,
      defer: () => {},
      id: '',
      logger: () => {},
      sessionId: '',
      stopChild: () => {},
      system: self.system,
      emit: () => {},
      actionExecutor: () => {},
    } as unknown as Scope;
    scopes.set(machine, scope);
  }
  return scope;
}

/** The same result as xstate's pure `transition(machine, snapshot, event)[0]`, without its per-call actor. */
export function pureTransition<M extends AnyStateMachine>(
  machine: M,
  snapshot: SnapshotFrom<M>,
  event: EventFromLogic<M>,
  input?: unknown,
): SnapshotFrom<M> {
  return machine.transition(snapshot, event, scopeFor(machine, input)) as SnapshotFrom<M>;
}

/** The same result as xstate's pure `initialTransition(machine, input)[0]`. */
export function pureInitial<M extends AnyStateMachine>(machine: M, input?: unknown): SnapshotFrom<M> {
  return machine.getInitialSnapshot(scopeFor(machine, input), input) as SnapshotFrom<M>;
}
