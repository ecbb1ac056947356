/**
 * Objects handed out by the embedded cluster and the binding monitors are frozen: a reader that
 * tries to change one gets a TypeError instead of changing what others see.
 */

/** Freezes a JSON value and everything inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
