import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignTargets, parseTargetsFile, planFor, readTargetsFile, TargetsFileError } from 'converge';
import { afterAll, describe, expect, it } from 'vitest';

/** The fleet's targets file and the assignment of targets to replicas (both pure). */

const work = mkdtempSync(join(tmpdir(), 'converge-fleet-targets-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const problemsOf = (text: string, file = '/etc/fleet/targets.yaml'): string[] => {
  try {
    parseTargetsFile(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(TargetsFileError);
    return (e as TargetsFileError).problems;
  }
  throw new Error('expected a TargetsFileError');
};

describe('converge fleet --targets FILE', () => {
  it('resolves paths against the file, defaults the namespace to default, keeps optional fields optional', () => {
    const file = join(work, 'targets.yaml');
    writeFileSync(
      file,
      `targets:
  - name: alpha
    kubeconfig: alpha.kubeconfig
    context: alpha
    namespace: ops
    modulesDir: modules
    globalHooksDir: global-hooks
    config: alpha-config.yaml
  - name: beta
    kubeconfig: /abs/beta.kubeconfig
    modulesDir: ../shared/modules
`,
    );
    expect(readTargetsFile(file)).toEqual([
      {
        name: 'alpha',
        kubeconfig: join(work, 'alpha.kubeconfig'),
        context: 'alpha',
        namespace: 'ops',
        modulesDir: join(work, 'modules'),
        globalHooksDir: join(work, 'global-hooks'),
        config: join(work, 'alpha-config.yaml'),
      },
      {
        name: 'beta',
        kubeconfig: '/abs/beta.kubeconfig',
        namespace: 'default',
        modulesDir: join(work, '..', 'shared', 'modules'),
      },
    ]);
  });

  it('names the file, the target index and the field of every problem', () => {
    const problems = problemsOf(`targets:
  - name: alpha
    modulesDir: modules
  - name: beta
    kubeconfig: 7
    modulesDir: modules
    colour: red
`);
    expect(problems).toEqual([
      'targets[0].kubeconfig: is required',
      'targets[1].kubeconfig: must be a string (got number 7)',
      'targets[1].colour: forbidden property',
    ]);
    expect(() => parseTargetsFile('targets: []', '/etc/fleet/targets.yaml')).toThrow(
      '/etc/fleet/targets.yaml: targets: must have at least 1 item',
    );
  });

  it('refuses duplicate names and names that cannot be a stream', () => {
    expect(
      problemsOf(`targets:
  - { name: alpha, kubeconfig: k, modulesDir: m }
  - { name: alpha, kubeconfig: k, modulesDir: m }
`),
    ).toEqual(['targets[1].name: "alpha" is already the name of targets[0]']);
    expect(problemsOf('targets:\n  - { name: "a b", kubeconfig: k, modulesDir: m }\n')[0]).toMatch(
      /^targets\[0\]\.name: must start with a letter or digit/,
    );
  });

  it('reports an unreadable file and bad YAML with the file name', () => {
    expect(() => readTargetsFile(join(work, 'missing.yaml'))).toThrow(/missing\.yaml: ENOENT/);
    expect(() => parseTargetsFile('targets: [', 'bad.yaml')).toThrow(/^bad\.yaml: /);
  });
});

describe('fleet assignment', () => {
  const targets = ['t0', 't1', 't2', 't3', 't4', 't5', 't6'];
  const counts = (a: Map<string, string>) => {
    const c: Record<string, number> = {};
    for (const r of a.values()) c[r] = (c[r] ?? 0) + 1;
    return c;
  };

  it('spreads targets evenly over the live replicas, every target placed once', () => {
    const a = assignTargets({ targets, replicas: ['r-b', 'r-a', 'r-c'], owners: new Map() });
    expect([...a.keys()].sort()).toEqual(targets);
    expect(counts(a)).toEqual({ 'r-a': 3, 'r-b': 2, 'r-c': 2 });
    expect(assignTargets({ targets, replicas: [], owners: new Map() }).size).toBe(0);
  });

  it('keeps live owners within their share: a joining replica takes only what rebalancing needs', () => {
    const one = assignTargets({ targets, replicas: ['r-a'], owners: new Map() });
    expect(counts(one)).toEqual({ 'r-a': 7 });
    const two = assignTargets({ targets, replicas: ['r-a', 'r-b'], owners: one });
    expect(counts(two)).toEqual({ 'r-a': 4, 'r-b': 3 });
    // r-a keeps the first four it owned; only three targets move.
    const moved = targets.filter((t) => two.get(t) !== one.get(t));
    expect(moved).toHaveLength(3);
    expect(planFor('r-a', two, new Set(one.keys()))).toEqual({ acquire: [], release: moved });
    expect(planFor('r-b', two, new Set())).toEqual({ acquire: moved, release: [] });
  });

  it("gives a departed replica's targets to the survivors and moves nothing else", () => {
    const three = assignTargets({ targets, replicas: ['r-a', 'r-b', 'r-c'], owners: new Map() });
    // r-b stopped renewing: its leases expired, so its targets have no owner.
    const owners = new Map([...three].filter(([, r]) => r !== 'r-b'));
    const two = assignTargets({ targets, replicas: ['r-a', 'r-c'], owners });
    expect(counts(two)).toEqual({ 'r-a': 4, 'r-c': 3 });
    for (const [t, r] of owners) expect(two.get(t)).toBe(r);
  });

  it('every replica computes the same assignment from the same view', () => {
    const owners = new Map([
      ['t3', 'r-c'],
      ['t0', 'r-a'],
    ]);
    const a = assignTargets({ targets, replicas: ['r-a', 'r-b', 'r-c'], owners });
    const b = assignTargets({ targets: [...targets].reverse(), replicas: ['r-c', 'r-b', 'r-a'], owners });
    expect([...a].sort()).toEqual([...b].sort());
  });
});
