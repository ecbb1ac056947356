import { fieldValue, kindMatches, matchesFieldSelector, matchesLabelSelector } from '@converge/kube-model';
import type { KubeObject, ResourceSelector } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../src/index.js';

function pod(name: string, namespace: string, labels: Record<string, string> = {}, extra = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, ...extra };
}

function ns(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

async function names(cluster: InMemoryCluster, selector: ResourceSelector): Promise<string[]> {
  return (await cluster.list(selector)).map((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`);
}

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front' };

  it('matchLabels requires every pair', () => {
    expect(matchesLabelSelector({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(matchesLabelSelector({ matchLabels: { app: 'web', tier: 'back' } }, labels)).toBe(false);
  });

  it('In / NotIn / Exists / DoesNotExist', () => {
    const expr = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) => ({
      matchExpressions: [{ key, operator, values }],
    });
    expect(matchesLabelSelector(expr('In', 'app', ['web', 'api']), labels)).toBe(true);
    expect(matchesLabelSelector(expr('In', 'app', ['api']), labels)).toBe(false);
    expect(matchesLabelSelector(expr('In', 'missing', ['x']), labels)).toBe(false);
    expect(matchesLabelSelector(expr('NotIn', 'app', ['api']), labels)).toBe(true);
    expect(matchesLabelSelector(expr('NotIn', 'app', ['web']), labels)).toBe(false);
    expect(matchesLabelSelector(expr('NotIn', 'missing', ['web']), labels)).toBe(true);
    expect(matchesLabelSelector(expr('Exists', 'tier'), labels)).toBe(true);
    expect(matchesLabelSelector(expr('Exists', 'missing'), labels)).toBe(false);
    expect(matchesLabelSelector(expr('DoesNotExist', 'missing'), labels)).toBe(true);
    expect(matchesLabelSelector(expr('DoesNotExist', 'app'), labels)).toBe(false);
  });

  it('matchLabels and expressions are ANDed; an empty selector matches everything', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['back'] }],
    };
    expect(matchesLabelSelector(sel, labels)).toBe(false);
    expect(matchesLabelSelector({}, {})).toBe(true);
    expect(matchesLabelSelector(undefined, labels)).toBe(true);
  });
});

describe('field selectors', () => {
  const object = pod('a', 'prod', {}, { spec: { nodeName: 'n1', replicas: 3, paused: false } });

  it('reads dotted paths as strings, missing fields as ""', () => {
    expect(fieldValue(object, 'metadata.name')).toBe('a');
    expect(fieldValue(object, 'spec.replicas')).toBe('3');
    expect(fieldValue(object, 'spec.paused')).toBe('false');
    expect(fieldValue(object, 'spec.missing.deeper')).toBe('');
  });

  it('every operator, ANDed', () => {
    const one = (operator: '=' | '==' | 'Equals' | '!=' | 'NotEquals', field: string, value: string) =>
      matchesFieldSelector({ matchExpressions: [{ field, operator, value }] }, object);
    expect(one('=', 'metadata.name', 'a')).toBe(true);
    expect(one('==', 'metadata.namespace', 'prod')).toBe(true);
    expect(one('Equals', 'spec.nodeName', 'n1')).toBe(true);
    expect(one('Equals', 'spec.nodeName', 'n2')).toBe(false);
    expect(one('!=', 'metadata.name', 'a')).toBe(false);
    expect(one('NotEquals', 'spec.nodeName', 'n2')).toBe(true);
    expect(
      matchesFieldSelector(
        {
          matchExpressions: [
            { field: 'metadata.name', operator: '=', value: 'a' },
            { field: 'spec.nodeName', operator: '!=', value: 'n1' },
          ],
        },
        object,
      ),
    ).toBe(false);
  });
});

describe('kind names', () => {
  it('match case-insensitively by Kind or plural resource name', () => {
    expect(kindMatches('ConfigMap', 'ConfigMap')).toBe(true);
    expect(kindMatches('configmap', 'ConfigMap')).toBe(true);
    expect(kindMatches('configmaps', 'ConfigMap')).toBe(true);
    expect(kindMatches('ingresses', 'Ingress')).toBe(true);
    expect(kindMatches('networkpolicies', 'NetworkPolicy')).toBe(true);
    expect(kindMatches('Secret', 'ConfigMap')).toBe(false);
  });
});

describe('InMemoryCluster.list with selectors', () => {
  function cluster() {
    return new InMemoryCluster({
      objects: [
        ns('prod', { env: 'prod' }),
        ns('dev', { env: 'dev' }),
        ns('bare'),
        pod('web-1', 'prod', { app: 'web' }, { spec: { nodeName: 'n1' } }),
        pod('web-2', 'dev', { app: 'web' }, { spec: { nodeName: 'n2' } }),
        pod('db-1', 'prod', { app: 'db' }, { spec: { nodeName: 'n1' } }),
        pod('lonely', 'bare', {}),
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-1', namespace: 'prod' } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' } },
      ],
    });
  }

  it('selects by kind (and apiVersion when given), sorted by namespace then name', async () => {
    const c = cluster();
    expect(await names(c, { kind: 'Pod' })).toEqual(['bare/lonely', 'dev/web-2', 'prod/db-1', 'prod/web-1']);
    expect(await names(c, { apiVersion: 'apps/v1', kind: 'deployments' })).toEqual(['prod/web']);
    expect(await names(c, { apiVersion: 'v1', kind: 'Deployment' })).toEqual([]);
    expect(await names(c, { kind: '' })).toEqual([]);
  });

  it('selects by name list, namespace list and label selector', async () => {
    const c = cluster();
    expect(await names(c, { kind: 'Pod', names: ['web-1', 'web-2'] })).toEqual(['dev/web-2', 'prod/web-1']);
    expect(await names(c, { kind: 'Pod', names: [] })).toHaveLength(4);
    expect(await names(c, { kind: 'Pod', namespaces: ['prod'] })).toEqual(['prod/db-1', 'prod/web-1']);
    expect(
      await names(c, { kind: 'Pod', namespaces: ['prod'], labelSelector: { matchLabels: { app: 'web' } } }),
    ).toEqual(['prod/web-1']);
  });

  it('selects by field selector', async () => {
    const c = cluster();
    const sel = (field: string, operator: '=' | '!=', value: string): ResourceSelector => ({
      kind: 'Pod',
      fieldSelector: { matchExpressions: [{ field, operator, value }] },
    });
    expect(await names(c, sel('spec.nodeName', '=', 'n1'))).toEqual(['prod/db-1', 'prod/web-1']);
    expect(await names(c, sel('metadata.namespace', '!=', 'prod'))).toEqual(['bare/lonely', 'dev/web-2']);
    expect(await names(c, sel('metadata.name', '=', 'web-2'))).toEqual(['dev/web-2']);
  });

  it('selects by namespace label selector against live Namespace objects', async () => {
    const c = cluster();
    expect(await names(c, { kind: 'Pod', namespaceLabelSelector: { matchLabels: { env: 'prod' } } })).toEqual(
      ['prod/db-1', 'prod/web-1'],
    );
    expect(
      await names(c, {
        kind: 'Pod',
        namespaceLabelSelector: { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] },
      }),
    ).toEqual(['bare/lonely']);
    c.remove({ apiVersion: 'v1', kind: 'Namespace', name: 'prod' });
    expect(await names(c, { kind: 'Pod', namespaceLabelSelector: {} })).toEqual(['bare/lonely', 'dev/web-2']);
  });

  it('cluster-scoped objects pass namespace filters and have no namespace', async () => {
    const c = cluster();
    expect(await names(c, { kind: 'Namespace', namespaces: ['prod'] })).toEqual(['/bare', '/dev', '/prod']);
  });
});
