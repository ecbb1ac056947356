import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

describe('templated charts through createTestEngine', () => {
  it('a plain .mjs script with an untouched PATH renders a templated chart with the bundled helm', () => {
    const dir = mkdtempSync(join(root, 'node_modules', '.templated-probe-'));
    const script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      `
import { createTestEngine } from '@converge/testing';
const t = await createTestEngine({
  modules: [{
    name: 'web',
    values: { replicas: 2 },
    chart: {
      'Chart.yaml': 'apiVersion: v2\\nname: web\\nversion: 0.1.0\\n',
      'templates/_helpers.tpl': '{{- define "web.name" -}}{{ .Release.Name }}-app{{- end -}}\\n',
      'templates/cm.yaml': 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: {{ include "web.name" . }}\\ndata:\\n  replicas: "{{ .Values.web.replicas }}"\\n{{- if .Values.web.extra }}\\n  extra: "yes"\\n{{- end }}\\n',
    },
    hooks: [{ name: 'hooks/b', config: { configVersion: 'v1', beforeHelm: 1 }, run: () => ({ valuesPatch: [{ op: 'add', path: '/web/extra', value: true }] }) }],
  }],
});
await t.start();
const cm = t.cluster.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'web-app' });
console.log(JSON.stringify({ data: cm?.data, releases: t.releases().map((r) => r.name) }));
await t.stop();
`,
    );
    const out = execFileSync(process.execPath, [script], {
      cwd: root,
      encoding: 'utf8',
      env: process.env,
      timeout: 60_000,
    });
    expect(JSON.parse(out.trim())).toEqual({ data: { replicas: '2', extra: 'yes' }, releases: ['web'] });
  });
});
