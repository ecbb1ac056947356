import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HelmNotFoundError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { type HelmMajor, manifestChecksum, renderChart, renderPlainChart } from '../src/index.js';
import { FIXTURES, helmBinaries, helmTemplate, tempDir, writeScript, writeTree } from './helpers.js';

const MAJORS: HelmMajor[] = [3, 4];
const NO_HELM = { env: { PATH: '' }, searchFrom: '/' } as const;

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

/** Generated charts for whitespace and naming corners that a formatter would otherwise "fix". */
const GENERATED: Record<string, Record<string, string>> = {
  'CRLF line endings': { 'a.yaml': `${cm('a')}---\n${cm('b')}`.replaceAll('\n', '\r\n') },
  'UTF-8 BOM': { 'a.yaml': `\uFEFF${cm('bom')}` },
  'Unicode white space around documents': {
    'a.yaml': `\u00a0\u0085${cm('u')}\u2028\u00a0\n---\u00a0\n${cm('v')}\u3000`,
  },
  'separators only': { 'a.yaml': '---', 'b.yaml': '---\n---\n', 'c.yaml': cm('c') },
  '<no value> is removed': { 'a.yaml': `${cm('nv')}data:\n  x: "<no value>"\n` },
  'empty chart': { 'a.yaml': '' },
  'no templates at all': {},
  'tabs and blank lines': { 'a.yaml': `\t\n${cm('t')}\t \n` },
  'kind-less and null documents': {
    'a.yaml': 'apiVersion: v1\nmetadata:\n  name: nokind\n',
    'b.yaml': 'null\n',
    'c.yaml': cm('x'),
  },
  'non-ASCII file names in byte order': {
    'é.yaml': cm('e'),
    'z.yaml': cm('z'),
    'Z.yaml': cm('Z'),
    '\u{1F600}.yaml': cm('emoji'),
    '\uFF21.yaml': cm('fullwidth'),
  },
  'unknown kinds by byte order': {
    'a.yaml':
      'apiVersion: x/v1\nkind: b\nmetadata:\n  name: 1x\n---\napiVersion: x/v1\nkind: B\nmetadata:\n  name: 2x\n---\napiVersion: x/v1\nkind: a\nmetadata:\n  name: 3x\n',
  },
  'dotted directories and JSON files': {
    'sub.d/a.yaml': cm('dd'),
    'sub/b.json': '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"json"}}',
  },
  'files ending in NOTES.txt and nested partials are not output': {
    'MYNOTES.txt': cm('notes'),
    'sub/_p.yaml': cm('partial'),
    'kept.yaml': cm('kept'),
  },
};

function generatedChart(files: Record<string, string>): string {
  const dir = tempDir();
  writeTree(dir, { 'Chart.yaml': 'apiVersion: v2\nname: probe\nversion: 0.1.0\n' });
  mkdirSync(join(dir, 'templates'));
  writeTree(join(dir, 'templates'), files);
  return dir;
}

describe('plain charts render byte-identical to helm template', () => {
  const helm = helmBinaries();

  for (const fixture of ['basic', 'webhooks', 'crds']) {
    for (const major of MAJORS) {
      it(`fixture ${fixture} matches helm ${major}`, async () => {
        const dir = join(FIXTURES, fixture);
        const expected = helmTemplate(helm[major], dir, 'rel', 'ns');
        expect(renderPlainChart(dir, 'rel', fixture, major)).toBe(expected);
        const rendered = await renderChart({
          chartDir: dir,
          release: 'rel',
          namespace: 'ns',
          helmMajor: major,
          ...NO_HELM,
        });
        expect(rendered.manifest).toBe(expected);
        expect(rendered.checksum).toBe(createHash('md5').update(expected).digest('hex'));
      });
    }
  }

  for (const [name, files] of Object.entries(GENERATED)) {
    it(`${name} matches helm 3 and helm 4`, () => {
      const dir = generatedChart(files);
      for (const major of MAJORS) {
        expect(renderPlainChart(dir, 'rel', 'probe', major), `helm ${major}`).toBe(
          helmTemplate(helm[major], dir, 'rel', 'ns'),
        );
      }
    });
  }

  it('the basic fixture exercises what it claims (order, skipped files, comments-only document)', () => {
    const manifest = renderPlainChart(join(FIXTURES, 'basic'), 'rel', 'basic', 3)!;
    const sources = [...manifest.matchAll(/^# Source: (.*)$/gm)].map((m) => m[1]);
    expect(sources[0]).toBe('basic/templates/namespace.yaml');
    expect(sources).toContain('basic/templates/rbac/nested/serviceaccount.yml');
    expect(sources).toContain('basic/templates/comments-only.yaml');
    expect(sources.some((s) => /NOTES|_helpers|empty/.test(s))).toBe(false);
    const kinds = [...manifest.matchAll(/^kind: (.*)$/gm)].map((m) => m[1]);
    expect(kinds.slice(0, 4)).toEqual(['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap']);
    // documents of one kind keep file order then document order, not name order
    const configMaps = [...manifest.matchAll(/kind: ConfigMap\nmetadata:\n {2}name: (.*)/g)].map((m) => m[1]);
    expect(configMaps).toEqual(['from-first-file', 'zeta', 'alpha']);
    expect(manifest).toContain('token: "abc"');
  });

  it('helm 3 and helm 4 order admission webhooks differently, and each is matched', () => {
    const dir = join(FIXTURES, 'webhooks');
    const three = helmTemplate(helm[3], dir, 'rel', 'ns');
    const four = helmTemplate(helm[4], dir, 'rel', 'ns');
    expect(three).not.toBe(four);
    expect(renderPlainChart(dir, 'rel', 'webhooks', 3)).toBe(three);
    expect(renderPlainChart(dir, 'rel', 'webhooks', 4)).toBe(four);
  });

  it('without helmMajor, the ordering of the resolved helm is used', async () => {
    const dir = join(FIXTURES, 'webhooks');
    for (const major of MAJORS) {
      const rendered = await renderChart({
        chartDir: dir,
        release: 'rel',
        namespace: 'ns',
        helm: helm[major],
      });
      expect(rendered.manifest).toBe(helmTemplate(helm[major], dir, 'rel', 'ns'));
    }
  });

  it('a plain chart renders with no helm anywhere', async () => {
    const rendered = await renderChart({
      chartDir: join(FIXTURES, 'basic'),
      release: 'rel',
      namespace: 'ns',
      ...NO_HELM,
    });
    expect(rendered.manifest).toBe(helmTemplate(helm[3], join(FIXTURES, 'basic'), 'rel', 'ns'));
  });

  it('objects are the parsed mapping documents in manifest order; checksum is MD5 of the text', async () => {
    const rendered = await renderChart({
      chartDir: join(FIXTURES, 'basic'),
      release: 'rel',
      namespace: 'ns',
      ...NO_HELM,
    });
    expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Namespace/basic-extra',
      'ServiceAccount/web',
      'Secret/creds',
      'ConfigMap/from-first-file',
      'ConfigMap/zeta',
      'ConfigMap/alpha',
      'ClusterRole/basic-reader',
      'RoleBinding/basic-reader',
      'Service/web',
      'Deployment/web',
      'Gadget/g1',
      'Widget/w2',
      'Widget/w1',
    ]);
    expect((rendered.objects[5] as unknown as { data: Record<string, string> }).data.multi).toContain(
      '--- not a separator',
    );
    expect(rendered.checksum).toBe(manifestChecksum(rendered.manifest));
    expect(rendered.checksum).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('charts without Chart.yaml (addon-operator pkg/module_manager/models/modules/helm.go (release name))', () => {
  it('are named after the module with version 0.2.0, identical to helm on the synthesised chart', async () => {
    const helm = helmBinaries();
    const source = join(FIXTURES, 'no-chart-yaml');
    const synthesised = tempDir();
    cpSync(source, synthesised, { recursive: true });
    writeFileSync(join(synthesised, 'Chart.yaml'), 'apiVersion: v2\nname: no-chart-yaml\nversion: 0.2.0\n');
    const rendered = await renderChart({
      chartDir: source,
      release: 'no-chart-yaml',
      module: 'no-chart-yaml',
      namespace: 'ns',
      ...NO_HELM,
    });
    for (const major of MAJORS) {
      expect(rendered.manifest).toBe(helmTemplate(helm[major], synthesised, 'no-chart-yaml', 'ns'));
    }
    expect(rendered.manifest).toContain('# Source: no-chart-yaml/templates/configmap.yaml');
  });

  it('a templated chart without Chart.yaml goes through helm with the synthesised metadata', async () => {
    const dir = writeTree(tempDir(), {
      'templates/cm.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Chart.Name }}-{{ .Chart.Version }}\n',
      'hooks/not-a-template.yaml': '{{ this would not parse }}',
    });
    const rendered = await renderChart({
      chartDir: dir,
      release: 'my-mod',
      module: 'my-mod',
      namespace: 'ns',
    });
    expect(rendered.objects.map((o) => o.metadata.name)).toEqual(['my-mod-0.2.0']);
    expect(rendered.manifest).toContain('# Source: my-mod/templates/cm.yaml');
    expect(existsSync(join(dir, 'Chart.yaml'))).toBe(false);
  });

  it('a directory with neither Chart.yaml nor templates/ is not a chart', async () => {
    await expect(renderChart({ chartDir: tempDir(), release: 'x', namespace: 'ns' })).rejects.toThrow(
      /not a helm chart/,
    );
  });
});

describe('charts that need helm', () => {
  const helm = helmBinaries();
  const values = {
    global: { clusterName: 'c1' },
    templated: { name: 'from-values', replicas: 3, extra: 'yes' },
  };

  it('a templated chart is rendered by the real helm with the values', async () => {
    const dir = join(FIXTURES, 'templated');
    const valuesFile = join(tempDir(), 'values.yaml');
    writeFileSync(valuesFile, JSON.stringify(values));
    for (const major of MAJORS) {
      const rendered = await renderChart({
        chartDir: dir,
        release: 'tpl',
        namespace: 'prod',
        values,
        helm: helm[major],
      });
      expect(rendered.manifest).toBe(helmTemplate(helm[major], dir, 'tpl', 'prod', valuesFile));
      expect(rendered.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'Secret/extra',
        'ConfigMap/from-values',
      ]);
      const configMap = rendered.objects[1] as unknown as {
        metadata: { namespace: string; labels: object };
        data: object;
      };
      expect(configMap.metadata.namespace).toBe('prod');
      expect(configMap.data).toEqual({ replicas: '3', global: 'c1' });
      expect(configMap.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'templated',
        'app.kubernetes.io/instance': 'tpl',
      });
    }
  });

  it('helm hooks are left to helm, which prints them after the manifests', async () => {
    const dir = join(FIXTURES, 'hooks');
    expect(renderPlainChart(dir, 'rel', 'hooks', 3)).toBeUndefined();
    const rendered = await renderChart({ chartDir: dir, release: 'rel', namespace: 'ns', helm: helm[3] });
    expect(rendered.manifest).toBe(helmTemplate(helm[3], dir, 'rel', 'ns'));
    expect(rendered.manifest.indexOf('name: regular')).toBeLessThan(
      rendered.manifest.indexOf('name: migrate'),
    );
  });

  it('invalid YAML gets helm’s own error', async () => {
    const dir = generatedChart({ 'a.yaml': `----\n${cm('d1')}` });
    expect(renderPlainChart(dir, 'rel', 'probe', 3)).toBeUndefined();
    await expect(
      renderChart({ chartDir: dir, release: 'rel', namespace: 'ns', helm: helm[3] }),
    ).rejects.toThrow(/YAML parse error on probe\/templates\/a\.yaml/);
  });

  it('a failing helm rejects with its error text', async () => {
    await expect(
      renderChart({ chartDir: join(FIXTURES, 'templated'), release: 'tpl', namespace: 'ns', helm: helm[3] }),
    ).rejects.toThrow(/helm template tpl failed: .*nil pointer evaluating interface \{\}\.clusterName/);
  });

  it('no helm for a templated chart is a HelmNotFoundError', async () => {
    const error = await renderChart({
      chartDir: join(FIXTURES, 'templated'),
      release: 'tpl',
      namespace: 'ns',
      values,
      ...NO_HELM,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HelmNotFoundError);
    expect((error as HelmNotFoundError).searched[0]).toMatch(/\.cache\/converge\/helm3\/helm$/);
  });

  it('runs helm with an argv array, a 0600 values file in a 0700 dir, and removes them', async () => {
    const root = tempDir();
    const log = join(root, 'log');
    const fake = writeScript(
      join(root, 'bin', 'helm'),
      [
        `for a in "$@"; do printf '%s\\n' "$a" >> '${log}'; done`,
        'for v in "$@"; do last="$v"; done',
        `stat -c '%a' "$last" "$(dirname "$last")" >> '${log}'`,
        `cat "$last" >> '${log}'`,
        "printf -- '---\\n# Source: x/templates/a.yaml\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: fake\\n'",
      ].join('\n'),
    );
    const chartDir = writeTree(join(root, 'chart $(touch pwned) dir'), {
      'Chart.yaml': 'apiVersion: v2\nname: x\nversion: 0.1.0\n',
      'templates/a.yaml': 'name: {{ .Release.Name }}\n',
    });
    const scratch = join(root, 'scratch');
    mkdirSync(scratch);
    const rendered = await renderChart({
      chartDir,
      release: 'rel',
      namespace: 'ns; echo hi',
      values: { a: { b: [1, 'two'] } },
      helm: fake,
      tmpDir: scratch,
    });
    expect(rendered.objects.map((o) => o.metadata.name)).toEqual(['fake']);
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'template',
      'rel',
      chartDir,
      '--namespace',
      'ns; echo hi',
      '--values',
    ]);
    expect(lines[6]).toMatch(/\/scratch\/converge-helm-[^/]+\/values\.yaml$/);
    expect(lines.slice(7, 9)).toEqual(['600', '700']);
    expect(JSON.parse(lines[9])).toEqual({ a: { b: [1, 'two'] } });
    expect(readdirSync(scratch)).toEqual([]);
    expect(existsSync(join(root, 'pwned'))).toBe(false);
    expect(existsSync('pwned')).toBe(false);
  });
});
