import type { FieldSelector, KubeObject, LabelSelector, ResourceSelector } from '@converge/protocol';

/** Labels of a namespace by name, or undefined when no such Namespace object exists. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/**
 * Whether `labels` satisfy a Kubernetes label selector: every `matchLabels` pair and every
 * expression (In, NotIn, Exists, DoesNotExist) must hold; an empty selector matches everything.
 */
export function matchesLabelSelector(
  selector: LabelSelector | undefined,
  labels: Record<string, string> = {},
): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, key);
    switch (operator) {
      case 'In':
        if (!has || !values.includes(labels[key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** The value at a dotted path as a field selector sees it: scalars as strings, anything else as "". */
export function fieldValue(object: unknown, path: string): string {
  let current: unknown = object;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (typeof current === 'string') return current;
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return '';
}

/** Whether every expression of a field selector holds (`=`, `==`, `Equals`, `!=`, `NotEquals`; ANDed). */
export function matchesFieldSelector(selector: FieldSelector | undefined, object: KubeObject): boolean {
  if (!selector) return true;
  return selector.matchExpressions.every(({ field, operator, value }) => {
    const actual = fieldValue(object, field);
    return operator === '!=' || operator === 'NotEquals' ? actual !== value : actual === value;
  });
}

/**
 * Whether a selector's kind names an object's kind: case-insensitively by Kind or by its plural
 * resource name (`ConfigMap`, `configmap`, `configmaps` all name ConfigMap).
 */
export function kindMatches(selectorKind: string, objectKind: string): boolean {
  const wanted = selectorKind.toLowerCase();
  const kind = objectKind.toLowerCase();
  if (wanted === kind) return true;
  const plurals = [`${kind}s`, `${kind}es`];
  if (kind.endsWith('y')) plurals.push(`${kind.slice(0, -1)}ies`);
  return plurals.includes(wanted);
}

/** Whether the selector's apiVersion and kind name the object's type (an empty apiVersion matches any). */
export function typeMatches(selector: ResourceSelector, object: KubeObject): boolean {
  if (!selector.kind) return false;
  if (selector.apiVersion && selector.apiVersion !== object.apiVersion) return false;
  return kindMatches(selector.kind, object.kind);
}

/**
 * Whether an object's namespace passes the selector's namespace filters (name list, then label
 * selector against the live Namespace object). Cluster-scoped objects (no namespace) pass.
 */
export function namespaceMatches(
  selector: ResourceSelector,
  namespace: string | undefined,
  namespaceLabels: NamespaceLabels,
): boolean {
  if (namespace === undefined) return true;
  if (selector.namespaces?.length && !selector.namespaces.includes(namespace)) return false;
  if (selector.namespaceLabelSelector) {
    const labels = namespaceLabels(namespace);
    if (!labels) return false;
    return matchesLabelSelector(selector.namespaceLabelSelector, labels);
  }
  return true;
}

/** Everything but the namespace: type, name list, label selector and field selector. */
export function matchesObjectFilters(selector: ResourceSelector, object: KubeObject): boolean {
  if (!typeMatches(selector, object)) return false;
  if (selector.names?.length && !selector.names.includes(object.metadata.name)) return false;
  if (!matchesLabelSelector(selector.labelSelector, object.metadata.labels)) return false;
  return matchesFieldSelector(selector.fieldSelector, object);
}

/** Whether a selector (shell-operator pkg/hook/config/config_v1.go (kubernetes)) selects an object, namespace label selectors included. */
export function matchesSelector(
  selector: ResourceSelector,
  object: KubeObject,
  namespaceLabels: NamespaceLabels,
): boolean {
  return (
    matchesObjectFilters(selector, object) &&
    namespaceMatches(selector, object.metadata.namespace, namespaceLabels)
  );
}
