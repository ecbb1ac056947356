import type { KubeObject } from '@converge/protocol';

/**
 * Custom resources a chart renders together with the CustomResourceDefinition that defines them.
 * Helm maps every object of a release before creating any, so on a cluster without that CRD the
 * install fails ("no matches for kind"); addon-operator modules put CRDs in `crds/` instead, which
 * converge creates first (ModuleEnsureCRDs). Returns one message per such object.
 */
export function resourcesBesideTheirDefinition(objects: readonly KubeObject[]): string[] {
  const defined = new Map<string, string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    const spec = (o as { spec?: { group?: string; names?: { kind?: string } } }).spec;
    if (spec?.group && spec.names?.kind) defined.set(`${spec.group}|${spec.names.kind}`, o.metadata.name);
  }
  const problems: string[] = [];
  for (const o of objects) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    const crd = defined.get(`${group}|${o.kind}`);
    if (!crd) continue;
    problems.push(
      `${o.kind} ${o.metadata.name} is defined by CustomResourceDefinition ${crd} in the same chart templates: ` +
        'helm cannot map it when installing into a cluster without that CRD; put the CRD in the module’s crds/ directory',
    );
  }
  return problems;
}
