import { describe, expect, it } from 'vitest';
import { type EffectiveHookConfig, HookConfigError, isConvergeError, parseHookConfig } from '../src/index.js';

const FILE = 'modules/001-demo/hooks/demo.sh';
const HOOK = 'hooks/demo.sh';

function moduleHook(raw: unknown): EffectiveHookConfig {
  return parseHookConfig(raw, { file: FILE, hook: HOOK, kind: 'module' });
}
function globalHook(raw: unknown): EffectiveHookConfig {
  return parseHookConfig(raw, { file: 'global-hooks/010-g.sh', hook: '010-g.sh', kind: 'global' });
}

/** Runs `fn`, expects a HookConfigError, and returns it. */
function configError(fn: () => unknown): HookConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HookConfigError);
    return e as HookConfigError;
  }
  throw new Error('expected a HookConfigError, got a valid config');
}

/** Asserts the error names `field` and a rule matching `rule`, on one `field: rule` line. */
function expectIssue(e: HookConfigError, field: string, rule: RegExp | string): void {
  const lines = e.message.slice(e.message.indexOf('): ') + 3).split('; ');
  const line = lines.find((l) => l.startsWith(`${field}: `));
  expect(line, `no issue for ${field} in: ${e.message}`).toBeDefined();
  if (typeof rule === 'string') expect(line).toContain(rule);
  else expect(line).toMatch(rule);
}

const kube = (binding: Record<string, unknown>) => ({
  configVersion: 'v1',
  kubernetes: [{ kind: 'Pod', ...binding }],
});

describe('docs/conformance.md hook configuration vectors', () => {
  it('TV-01 v1 minimal onStartup (JSON)', () => {
    const c = moduleHook(JSON.parse('{"configVersion":"v1","onStartup":10}'));
    expect(c.version).toBe('v1');
    expect(c.onStartup).toBe(10);
    expect(c.orders).toEqual({ onStartup: 10 });
    expect(c.kubernetes).toEqual([]);
    expect(c.schedule).toEqual([]);
    expect(c.settings).toBeUndefined();
  });

  it('TV-02 legacy v0 config', () => {
    const c = moduleHook({
      onStartup: 1,
      schedule: [{ name: 'each 1 min', crontab: '0 */1 * * * *' }, { crontab: '*/5 * * * *' }],
      onKubernetesEvent: [{ kind: 'pod', event: ['add', 'delete'], allowFailure: true }],
    });
    expect(c.version).toBe('v0');
    expect(c.onStartup).toBe(1);
    expect(c.schedule.map((s) => [s.name, s.queue])).toEqual([
      ['each 1 min', 'main'],
      ['schedule', 'main'],
    ]);
    expect(c.kubernetes).toHaveLength(1);
    const [k] = c.kubernetes;
    expect(k.name).toBe('onKubernetesEvent');
    expect(k.kind).toBe('pod');
    expect(k.executeHookOnEvent).toEqual(['Added', 'Deleted']);
    expect(k.allowFailure).toBe(true);
    expect(k.queue).toBe('main');
    expect(k.executeHookOnSynchronization).toBe(false); // v0 never runs Synchronization
    expect(k.group).toBe('');
  });

  it('TV-02 v0 maps objectName, selector and namespaceSelector; bad event values fail', () => {
    const c = moduleHook({
      onKubernetesEvent: [
        {
          name: 'cm',
          kind: 'ConfigMap',
          event: ['update'],
          objectName: 'settings',
          selector: { matchLabels: { app: 'x' } },
          namespaceSelector: { matchNames: ['a', 'b'] },
          unknownKey: 'ignored',
        },
        { kind: 'Secret', namespaceSelector: { matchNames: ['a'], any: true } },
      ],
    });
    expect(c.kubernetes[0]).toMatchObject({
      name: 'cm',
      executeHookOnEvent: ['Modified'],
      nameSelector: { matchNames: ['settings'] },
      labelSelector: { matchLabels: { app: 'x' } },
      namespace: { nameSelector: { matchNames: ['a', 'b'] } },
    });
    expect(c.kubernetes[1].namespace).toBeUndefined();
    expect(c.kubernetes[1].executeHookOnEvent).toEqual([]);
    const e = configError(() =>
      moduleHook({ onKubernetesEvent: [{ kind: 'Pod', event: ['add', 'modify'] }] }),
    );
    expectIssue(e, 'onKubernetesEvent[0].event[1]', 'must be one of: add, update, delete');
  });

  describe('TV-03 top-level rejections', () => {
    it('TV-03 unsupported configVersion', () => {
      const e = configError(() => moduleHook({ configVersion: '1.0.1-unknown', onStartup: 1 }));
      expect(e.field).toBe('configVersion');
      expectIssue(e, 'configVersion', "'1.0.1-unknown' is unsupported");
    });
    it('TV-03 empty configVersion', () => {
      const e = configError(() => moduleHook({ configVersion: '', onStartup: 1 }));
      expectIssue(e, 'configVersion', 'is unsupported');
    });
    it('TV-03 null and non-string configVersion', () => {
      expectIssue(
        configError(() => moduleHook({ configVersion: null, onStartup: 1 })),
        'configVersion',
        'missing',
      );
      expectIssue(
        configError(() => moduleHook({ configVersion: 1, onStartup: 1 })),
        'configVersion',
        'must be a string',
      );
    });
    it('TV-03 v1 needs at least 2 properties', () => {
      const e = configError(() => moduleHook({ configVersion: 'v1' }));
      expect(e.field).toBe('');
      expectIssue(e, '(root)', 'at least 2 properties');
    });
    it('TV-03 explicit configVersion v0 is forbidden by the v0 schema', () => {
      const e = configError(() => moduleHook({ configVersion: 'v0', onStartup: 1 }));
      expectIssue(e, 'configVersion', 'forbidden property');
    });
    it('TV-03 onStartup must be an integer', () => {
      expectIssue(
        configError(() => moduleHook({ configVersion: 'v1', onStartup: '10' })),
        'onStartup',
        'must be an integer',
      );
      expectIssue(
        configError(() => moduleHook({ configVersion: 'v1', onStartup: 1.5 })),
        'onStartup',
        'must be an integer',
      );
      expect(moduleHook({ configVersion: 'v1', onStartup: -3 }).onStartup).toBe(-3);
    });
    it('TV-03 empty schedule list', () => {
      expectIssue(
        configError(() => moduleHook({ configVersion: 'v1', schedule: [] })),
        'schedule',
        'at least 1 item',
      );
    });
    it('TV-03 beforeHelm: valid for a module hook, forbidden for a global hook', () => {
      expect(moduleHook({ configVersion: 'v1', onStartup: 1, beforeHelm: 1 }).orders).toEqual({
        onStartup: 1,
        beforeHelm: 1,
      });
      const e = configError(() => globalHook({ configVersion: 'v1', onStartup: 1, beforeHelm: 1 }));
      expectIssue(e, 'beforeHelm', 'forbidden property');
    });
  });

  it('TV-04 kubernetes binding defaults', () => {
    const c = moduleHook({
      configVersion: 'v1',
      kubernetes: [
        { kind: 'Pod' },
        {
          name: 'cms',
          apiVersion: 'v1',
          kind: 'ConfigMap',
          queue: 'cm-queue',
          waitForSynchronization: false,
          keepFullObjectsInMemory: false,
          jqFilter: '.data',
        },
        { name: 'secrets', kind: 'Secret', waitForSynchronization: false },
      ],
    });
    const all = ['Added', 'Modified', 'Deleted'];
    const rows = c.kubernetes.map((k) => [
      k.name,
      k.queue,
      k.executeHookOnEvent,
      k.executeHookOnSynchronization,
      k.waitForSynchronization,
      k.keepFullObjectsInMemory,
      k.group,
    ]);
    expect(rows).toEqual([
      ['kubernetes', 'main', all, true, true, true, ''],
      ['cms', 'cm-queue', all, true, false, false, ''],
      ['secrets', 'main', all, true, true, true, ''],
    ]);
    expect(c.kubernetes[1]).toMatchObject({ apiVersion: 'v1', jqFilter: '.data', allowFailure: false });
    expect(c.kubernetes[0].apiVersion).toBe('');
  });

  describe('TV-05 event type selection', () => {
    it('TV-05 executeHookOnEvent: [] is snapshot-only', () => {
      expect(moduleHook(kube({ executeHookOnEvent: [] })).kubernetes[0].executeHookOnEvent).toEqual([]);
    });
    it('TV-05 watchEvent is the legacy alias', () => {
      expect(
        moduleHook(kube({ watchEvent: ['Added', 'Modified'] })).kubernetes[0].executeHookOnEvent,
      ).toEqual(['Added', 'Modified']);
    });
    it('TV-05 executeHookOnEvent wins over watchEvent', () => {
      const c = moduleHook(kube({ watchEvent: ['Deleted'], executeHookOnEvent: ['Added'] }));
      expect(c.kubernetes[0].executeHookOnEvent).toEqual(['Added']);
    });
    it('TV-05 watchEvent must be an array', () => {
      expectIssue(
        configError(() => moduleHook(kube({ watchEvent: 'Added' }))),
        'kubernetes[0].watchEvent',
        'must be an array',
      );
    });
    it('TV-05 event names are an enum', () => {
      const e = configError(() => moduleHook(kube({ executeHookOnEvent: ['Added', 'updated'] })));
      expectIssue(e, 'kubernetes[0].executeHookOnEvent[1]', 'must be one of: Added, Modified, Deleted');
    });
  });

  it('TV-06 boolean fields must be real booleans', () => {
    const e1 = configError(() => moduleHook(kube({ executeHookOnSynchronization: 'ok' })));
    expect(e1.field).toBe('kubernetes[0].executeHookOnSynchronization');
    expectIssue(e1, 'kubernetes[0].executeHookOnSynchronization', 'must be a boolean');
    const e2 = configError(() => moduleHook(kube({ executeHookOnSynchronization: 'false' })));
    expectIssue(e2, 'kubernetes[0].executeHookOnSynchronization', 'must be a boolean (got string "false")');
    expect(
      moduleHook(kube({ executeHookOnSynchronization: false })).kubernetes[0].executeHookOnSynchronization,
    ).toBe(false);
  });

  describe('TV-07 selector validation', () => {
    it('TV-07 nameSelector and a metadata.name fieldSelector are mutually exclusive', () => {
      const e = configError(() =>
        moduleHook(
          kube({
            nameSelector: { matchNames: ['app'] },
            fieldSelector: {
              matchExpressions: [{ field: 'metadata.name', operator: 'Equals', value: 'app' }],
            },
          }),
        ),
      );
      expectIssue(e, 'kubernetes[0].nameSelector', 'mutually exclusive');
    });
    it('TV-07 empty label values are allowed', () => {
      const c = moduleHook(
        kube({ labelSelector: { matchLabels: { 'node-role.kubernetes.io/master': '' } } }),
      );
      expect(c.kubernetes[0].labelSelector).toEqual({
        matchLabels: { 'node-role.kubernetes.io/master': '' },
      });
    });
    it('TV-07 a field selector expression needs field, operator and value', () => {
      const e = configError(() =>
        moduleHook(
          kube({ fieldSelector: { matchExpressions: [{ field: 'status.phase', operator: 'Equals' }] } }),
        ),
      );
      expectIssue(e, 'kubernetes[0].fieldSelector.matchExpressions[0].value', 'is required');
    });
    it('TV-07 field selector operators are an enum', () => {
      const e = configError(() =>
        moduleHook(
          kube({ fieldSelector: { matchExpressions: [{ field: 'foo', operator: 'IsNotin', value: 'x' }] } }),
        ),
      );
      expectIssue(
        e,
        'kubernetes[0].fieldSelector.matchExpressions[0].operator',
        'must be one of: =, ==, Equals',
      );
    });
    it('TV-07 label expressions: operand is forbidden, operator required', () => {
      const e = configError(() =>
        moduleHook(kube({ labelSelector: { matchExpressions: [{ key: 'foo', operand: 'notin' }] } })),
      );
      expectIssue(e, 'kubernetes[0].labelSelector.matchExpressions[0].operand', 'forbidden property');
      expectIssue(e, 'kubernetes[0].labelSelector.matchExpressions[0].operator', 'is required');
    });
    it('TV-07 apiVersion must be group/version or version', () => {
      const e = configError(() => moduleHook(kube({ apiVersion: 'v1/12/wqe' })));
      expectIssue(e, 'kubernetes[0].apiVersion', 'must be "group/version" or "version"');
      expect(moduleHook(kube({ apiVersion: 'apps/v1' })).kubernetes[0].apiVersion).toBe('apps/v1');
    });
    it('TV-07 an empty nameSelector list means no name filtering', () => {
      expect(moduleHook(kube({ nameSelector: { matchNames: [] } })).kubernetes[0].nameSelector).toEqual({
        matchNames: [],
      });
    });
    it('TV-07 namespace.nameSelector.matchNames must be an array', () => {
      const e = configError(() =>
        moduleHook(kube({ namespace: { nameSelector: { matchNames: { asd: 'QWE' } } } })),
      );
      expectIssue(e, 'kubernetes[0].namespace.nameSelector.matchNames', 'must be an array');
    });
    it('TV-07 the Kubernetes selector parser rules: In needs values, keys must be valid', () => {
      const e = configError(() =>
        moduleHook(
          kube({
            labelSelector: {
              matchExpressions: [{ key: 'tier', operator: 'In' }],
              matchLabels: { 'bad key!': 'x' },
            },
          }),
        ),
      );
      expectIssue(
        e,
        'kubernetes[0].labelSelector.matchExpressions[0].values',
        'must not be empty for operator In',
      );
      expectIssue(e, 'kubernetes[0].labelSelector.matchLabels["bad key!"]', 'label key');
    });
  });

  it('TV-08 group expansion and merge order', () => {
    const c = moduleHook({
      configVersion: 'v1',
      schedule: [{ crontab: '* * * * *', group: 'pods' }],
      kubernetes: [
        { name: 'monitor_pods', kind: 'Pod', group: 'pods' },
        {
          name: 'monitor_configmaps',
          kind: 'ConfigMap',
          group: 'pods',
          includeSnapshotsFrom: ['monitor_configmaps'],
        },
      ],
    });
    expect(c.schedule[0]).toMatchObject({
      name: 'schedule',
      queue: 'main',
      includeSnapshotsFrom: ['monitor_pods', 'monitor_configmaps'],
    });
    expect(c.kubernetes[0].includeSnapshotsFrom).toEqual(['monitor_pods', 'monitor_configmaps']);
    expect(c.kubernetes[1].includeSnapshotsFrom).toEqual(['monitor_configmaps', 'monitor_pods']);
  });

  it('TV-08 a schedule in a group without kubernetes bindings keeps its own list', () => {
    const c = moduleHook({
      configVersion: 'v1',
      schedule: [{ crontab: '* * * * *', group: 'lonely' }],
      kubernetes: [{ name: 'pods', kind: 'Pod' }],
    });
    expect(c.schedule[0].includeSnapshotsFrom).toEqual([]);
    expect(c.kubernetes[0].includeSnapshotsFrom).toEqual([]);
  });

  describe('TV-09 includeSnapshotsFrom references', () => {
    it('TV-09 a missing binding name fails', () => {
      const e = configError(() =>
        moduleHook({
          configVersion: 'v1',
          schedule: [{ crontab: '* * * * *', includeSnapshotsFrom: ['missing'] }],
        }),
      );
      expectIssue(e, 'schedule[0].includeSnapshotsFrom[0]', "'missing' binding name not found");
    });
    it('TV-09 an ambiguous binding name fails', () => {
      const e = configError(() =>
        moduleHook({
          configVersion: 'v1',
          kubernetes: [
            { name: 'pods', kind: 'Pod' },
            { name: 'pods', kind: 'Pod', namespace: { nameSelector: { matchNames: ['x'] } } },
          ],
          schedule: [{ crontab: '* * * * *', includeSnapshotsFrom: ['pods'] }],
        }),
      );
      expectIssue(e, 'schedule[0].includeSnapshotsFrom[0]', "there are 2 'pods' binding names");
    });
    it('TV-09 duplicate names without a reference are valid', () => {
      const c = moduleHook({
        configVersion: 'v1',
        kubernetes: [
          { name: 'pods', kind: 'Pod' },
          { name: 'pods', kind: 'Pod' },
        ],
      });
      expect(c.kubernetes.map((k) => k.name)).toEqual(['pods', 'pods']);
    });
  });

  describe('TV-10 settings', () => {
    const withSettings = (settings: unknown) => moduleHook({ configVersion: 'v1', onStartup: 1, settings });
    it('TV-10 interval and burst', () => {
      expect(withSettings({ executionMinInterval: '30s', executionBurst: 1 }).settings).toEqual({
        executionMinIntervalMs: 30_000,
        executionBurst: 1,
      });
      expect(
        withSettings({ executionMinInterval: '1m30s', executionBurst: 2 }).settings?.executionMinIntervalMs,
      ).toBe(90_000);
    });
    it('TV-10 an invalid duration fails', () => {
      const e = configError(() => withSettings({ executionMinInterval: '30ks', executionBurst: 1 }));
      expectIssue(e, 'settings.executionMinInterval', 'must be a Go duration');
    });
    it('TV-10 settings needs both keys', () => {
      expectIssue(
        configError(() => withSettings({ executionBurst: 2 })),
        'settings.executionMinInterval',
        'is required',
      );
      expectIssue(
        configError(() => withSettings({ executionMinInterval: '3s' })),
        'settings.executionBurst',
        'is required',
      );
    });
    it('TV-10 executionMinPeriod is not a key', () => {
      const e = configError(() => withSettings({ executionMinPeriod: '3s', executionBurst: 1 }));
      expectIssue(e, 'settings.executionMinPeriod', 'forbidden property');
    });
  });

  describe('TV-11 kubernetesValidating', () => {
    const doc = (first: Record<string, unknown> = {}) => ({
      configVersion: 'v1',
      kubernetes: [{ name: 'pods', kind: 'pods', group: 'main' }],
      kubernetesValidating: [
        {
          name: 'default.example.com',
          rules: [
            {
              apiVersions: ['v1'],
              apiGroups: ['crd-domain.io'],
              resources: ['MyCustomResource'],
              operations: ['*'],
            },
          ],
          ...first,
        },
        {
          name: 'snapshots.example.com',
          group: 'main',
          rules: [
            {
              operations: ['CREATE', 'UPDATE'],
              apiGroups: ['apps'],
              apiVersions: ['v1'],
              resources: ['deployments'],
              scope: 'Namespaced',
            },
          ],
        },
      ],
    });
    it('TV-11 defaults and group snapshots; flagged as unused by addon-operator', () => {
      const c = moduleHook(doc());
      const [w0, w1] = c.kubernetesValidating;
      expect(w0).toMatchObject({
        failurePolicy: 'Fail',
        sideEffects: 'None',
        timeoutSeconds: 10,
        includeSnapshotsFrom: [],
      });
      expect(w0.labelSelector).toBeUndefined();
      expect(w0.namespaceLabelSelector).toBeUndefined();
      expect(w1.includeSnapshotsFrom).toEqual(['pods']);
      expect(w1.rules[0].scope).toBe('Namespaced');
      expect(c.unusedByAddonOperator).toEqual(['kubernetesValidating']);
    });
    it('TV-11 the name must be a 3-segment FQDN', () => {
      const e = configError(() => moduleHook(doc({ name: 'snapshots' })));
      expectIssue(e, 'kubernetesValidating[0].name', 'fully qualified domain name');
    });
    it('TV-11 timeoutSeconds must be 1..30', () => {
      const e = configError(() => moduleHook(doc({ timeoutSeconds: 32 })));
      expectIssue(e, 'kubernetesValidating[0].timeoutSeconds', 'between 1 and 30');
    });
  });

  describe('TV-12 kubernetesCustomResourceConversion', () => {
    const conv = (binding: unknown) =>
      moduleHook({ configVersion: 'v1', kubernetesCustomResourceConversion: [binding] });
    it('TV-12 crdName and conversions are required', () => {
      const e = configError(() => conv({ name: 'v1beta-to-v2' }));
      expectIssue(e, 'kubernetesCustomResourceConversion[0].crdName', 'is required');
      expectIssue(e, 'kubernetesCustomResourceConversion[0].conversions', 'is required');
    });
    it('TV-12 a conversion needs fromVersion and toVersion only', () => {
      const e = configError(() =>
        conv({ name: 'x', crdName: 'a.b.c', conversions: [{ fromVersion: 'q', to: 'q' }] }),
      );
      expectIssue(e, 'kubernetesCustomResourceConversion[0].conversions[0].to', 'forbidden property');
      expectIssue(e, 'kubernetesCustomResourceConversion[0].conversions[0].toVersion', 'is required');
    });
    it('TV-12 a valid chain gives 3 rules', () => {
      const c = conv({
        name: 'chain',
        crdName: 'crontabs.stable.example.com',
        conversions: [
          { fromVersion: 'v1beta1', toVersion: 'v1beta2' },
          { fromVersion: 'v1beta2', toVersion: 'v1beta3' },
          { fromVersion: 'v1beta3', toVersion: 'v1' },
        ],
      });
      expect(c.kubernetesCustomResourceConversion[0].conversions).toHaveLength(3);
      expect(c.unusedByAddonOperator).toEqual(['kubernetesCustomResourceConversion']);
    });
  });

  describe('TV-14 addon-operator lifecycle keys', () => {
    it('TV-14 module hook beforeHelm and afterDeleteHelm', () => {
      const c = moduleHook(JSON.parse('{"configVersion":"v1","beforeHelm":10,"afterDeleteHelm":5}'));
      expect(c.orders).toEqual({ beforeHelm: 10, afterDeleteHelm: 5 });
      expect(c.onStartup).toBeUndefined();
    });
    it('TV-14 global hook beforeAll and afterAll', () => {
      expect(globalHook({ configVersion: 'v1', beforeAll: 1, afterAll: 2 }).orders).toEqual({
        beforeAll: 1,
        afterAll: 2,
      });
    });
    it('TV-14 keys of the other hook kind are forbidden', () => {
      expectIssue(
        configError(() => moduleHook({ configVersion: 'v1', beforeAll: 1 })),
        'beforeAll',
        'forbidden property',
      );
      expectIssue(
        configError(() => globalHook({ configVersion: 'v1', beforeHelm: 1 })),
        'beforeHelm',
        'forbidden property',
      );
    });
    it('TV-14 lifecycle orders are unsigned', () => {
      const e = configError(() => moduleHook({ configVersion: 'v1', beforeHelm: -1 }));
      expectIssue(e, 'beforeHelm', 'must be a non-negative integer');
    });
    it('TV-14 v0 module hooks accept lifecycle keys too', () => {
      expect(moduleHook({ beforeHelm: 3 }).orders).toEqual({ beforeHelm: 3 });
      expectIssue(
        configError(() => globalHook({ afterHelm: 3 })),
        'afterHelm',
        'forbidden property',
      );
    });
  });
});

describe('hook config errors name file, hook, field and rule', () => {
  it('the message and properties name file, hook, field path and rule', () => {
    const e = configError(() => moduleHook(kube({ executeHookOnSynchronization: 'ok' })));
    expect(isConvergeError(e)).toBe(true);
    expect(e.code).toBe('HOOK_CONFIG');
    expect(e.file).toBe(FILE);
    expect(e.hook).toBe(HOOK);
    expect(e.field).toBe('kubernetes[0].executeHookOnSynchronization');
    expect(e.message).toContain(FILE);
    expect(e.message).toContain(HOOK);
    expect(e.message).toContain(
      'kubernetes[0].executeHookOnSynchronization: must be a boolean (got string "ok")',
    );
  });

  it('every schema issue is reported at once', () => {
    const e = configError(() =>
      moduleHook({
        configVersion: 'v1',
        onStartup: 'soon',
        schedule: [{ crontab: 5, extra: 1 }],
        kubernetes: [{ name: 'x' }],
      }),
    );
    expectIssue(e, 'onStartup', 'must be an integer');
    expectIssue(e, 'schedule[0].crontab', 'must be a string (got number 5)');
    expectIssue(e, 'schedule[0].extra', 'forbidden property');
    expectIssue(e, 'kubernetes[0].kind', 'is required');
  });

  it('every cross-field issue is reported at once, each with its path', () => {
    const e = configError(() =>
      moduleHook({
        configVersion: 'v1',
        schedule: [{ crontab: '61 * * * *' }, { crontab: '* * * * *', includeSnapshotsFrom: ['nope'] }],
        kubernetes: [{ kind: 'Pod', apiVersion: 'a/b/c' }],
      }),
    );
    expect(e.field).toBe('kubernetes[0].apiVersion');
    expectIssue(e, 'schedule[0].crontab', 'minute: 61 is above the maximum 59');
    expectIssue(e, 'schedule[1].includeSnapshotsFrom[0]', "'nope' binding name not found");
  });

  it('a document that is not an object is rejected at the root', () => {
    const e = configError(() => moduleHook(['configVersion', 'v1']));
    expect(e.field).toBe('');
    expect(e.message).toContain('(root): must be an object (got array)');
  });

  it('an optional jq check reports filters that do not compile', () => {
    const e = configError(() =>
      parseHookConfig(kube({ jqFilter: '.a |' }), {
        file: FILE,
        hook: HOOK,
        kind: 'module',
        checkJqFilter: (f) => (f.endsWith('|') ? 'unexpected EOF' : undefined),
      }),
    );
    expectIssue(e, 'kubernetes[0].jqFilter', 'does not compile: unexpected EOF');
  });

  it('waitForSynchronization: false needs an explicit, non-empty queue', () => {
    const c = moduleHook({
      configVersion: 'v1',
      kubernetes: [
        { kind: 'Pod', waitForSynchronization: false, queue: '' },
        { kind: 'Pod', waitForSynchronization: false, queue: 'q' },
      ],
    });
    expect(c.kubernetes.map((k) => [k.queue, k.waitForSynchronization])).toEqual([
      ['main', true],
      ['q', false],
    ]);
  });
});
