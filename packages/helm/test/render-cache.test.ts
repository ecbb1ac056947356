import { join } from 'node:path';
import { InMemoryCluster } from '@converge/cluster-memory';
import { canonicalJson, type RenderResult } from '@converge/core';
import { describe, expect, it } from 'vitest';
import {
  BYPASS_FUNCTIONS,
  dynamicFunctionIn,
  InMemoryReleaseStore,
  manifestChecksum,
  RenderCache,
  type RenderCacheKey,
} from '../src/index.js';
import { FIXTURES, helmBinaries, tempDir, writeTree } from './helpers.js';

const chartFiles = (template: string) => ({
  'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'values.yaml': 'web: {}\n',
  'templates/cm.yaml': template,
});
const plain = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n';

/** A producer that counts its calls and returns a result naming the call. */
function producer() {
  let calls = 0;
  const produce = async (): Promise<RenderResult> => {
    calls++;
    const manifest = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: call-${calls}\n`;
    return {
      manifest,
      checksum: manifestChecksum(manifest),
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `call-${calls}` } }],
    };
  };
  return { produce, calls: () => calls };
}

function key(chartDir: string, extra: Partial<RenderCacheKey> = {}): RenderCacheKey {
  return { chartDir, release: 'web', namespace: 'ns', values: { web: { a: 1 } }, helm: 'helm@v3', ...extra };
}

describe('canonicalJson and dynamicFunctionIn', () => {
  it("the cache key's canonical JSON (core's) sorts keys at every level and keeps array order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('finds every bypass function inside a template action, and .Capabilities', () => {
    const calls: Record<string, string> = {
      lookup: '{{ lookup "v1" "Secret" "ns" "x" }}',
      now: '{{ now | date "2006" }}',
      ago: '{{ ago .Values.t }}',
      randAlphaNum: '{{ randAlphaNum 10 }}',
      shuffle: '{{ shuffle "abc" }}',
      uuidv4: '{{- uuidv4 -}}',
      genCA: '{{ $ca := genCA "x" 365 }}',
      genPrivateKey: '{{ genPrivateKey "rsa" }}',
      genSelfSignedCert: '{{ genSelfSignedCert "x" nil nil 1 }}',
      genSignedCert: '{{ genSignedCert "x" nil nil 1 $ca }}',
      htpasswd: '{{ htpasswd "u" "p" }}',
      bcrypt: '{{ bcrypt "p" }}',
      encryptAES: '{{ encryptAES "k" "t" }}',
      getHostByName: '{{ getHostByName "example.com" }}',
      '.Capabilities': '{{ if .Capabilities.APIVersions.Has "x/v1" }}',
    };
    for (const [name, text] of Object.entries(calls)) expect(dynamicFunctionIn(text), text).toBe(name);
    expect(dynamicFunctionIn('{{ $.Capabilities.KubeVersion }}')).toBe('.Capabilities');
    expect(BYPASS_FUNCTIONS).toContain('rand*');
  });

  it('ignores the names outside actions and as fields or variables', () => {
    expect(dynamicFunctionIn('data:\n  when: now\n  how: lookup random uuidv4\n')).toBeUndefined();
    expect(dynamicFunctionIn('{{ .Values.now }} {{ $rand := 1 }} {{ .Values.lookup.x }} {{ nowhere }}')).toBe(
      undefined,
    );
  });
});

describe('RenderCache', () => {
  it('reuses a result for the same chart, values, helm, namespace and release; misses when any differs', async () => {
    const dir = writeTree(tempDir(), chartFiles(plain));
    const cache = new RenderCache();
    const p = producer();
    const first = await cache.render(key(dir), p.produce);
    expect(await cache.render(key(dir, { values: { web: { a: 1 } } }), p.produce)).toEqual(first);
    expect(p.calls()).toBe(1);
    for (const change of [
      { values: { web: { a: 2 } } },
      { namespace: 'other' },
      { release: 'web2' },
      { helm: 'helm@v4' },
    ]) {
      await cache.render(key(dir, change), p.produce);
    }
    expect(p.calls()).toBe(5);
    expect(cache.stats).toEqual({ hits: 1, misses: 5, bypassed: 0 });
  });

  it('values that differ only in key order are the same key', async () => {
    const dir = writeTree(tempDir(), chartFiles(plain));
    const cache = new RenderCache();
    const p = producer();
    await cache.render(key(dir, { values: { a: 1, b: { c: 1, d: 2 } } }), p.produce);
    await cache.render(key(dir, { values: { b: { d: 2, c: 1 }, a: 1 } }), p.produce);
    expect(p.calls()).toBe(1);
  });

  it('a change to any chart file (template, values.yaml, a new file) is a miss', async () => {
    const dir = writeTree(tempDir(), chartFiles(plain));
    const cache = new RenderCache();
    const p = producer();
    await cache.render(key(dir), p.produce);
    writeTree(dir, { 'values.yaml': 'web: {a: 2}\n' });
    await cache.render(key(dir), p.produce);
    writeTree(dir, { 'files/extra.txt': 'x' });
    await cache.render(key(dir), p.produce);
    writeTree(dir, { 'templates/cm.yaml': `${plain}  labels: {}\n` });
    await cache.render(key(dir), p.produce);
    await cache.render(key(dir), p.produce);
    expect(p.calls()).toBe(4);
  });

  it('never caches a chart that uses lookup, now, rand*, uuidv4, gen* or .Capabilities', async () => {
    for (const call of ['lookup "v1" "Secret" "ns" "x"', 'now', 'randAlpha 5', 'uuidv4', 'genCA "x" 1']) {
      const dir = writeTree(tempDir(), chartFiles(`${plain}data:\n  x: {{ ${call} | toString | quote }}\n`));
      const cache = new RenderCache();
      const p = producer();
      await cache.render(key(dir), p.produce);
      await cache.render(key(dir), p.produce);
      expect(p.calls(), call).toBe(2);
      expect(cache.stats.bypassed).toBe(2);
      expect(cache.bypassReason(dir)).toMatch(/^templates\/cm\.yaml uses /);
    }
    const helpers = writeTree(tempDir(), {
      ...chartFiles(plain),
      'templates/_helpers.tpl': '{{- define "x" -}}{{ .Capabilities.KubeVersion }}{{- end -}}',
    });
    expect(new RenderCache().bypassReason(helpers)).toBe('templates/_helpers.tpl uses .Capabilities');
  });

  it('with tpl, values or chart files carrying a bypass function make the chart bypass too', async () => {
    const dir = writeTree(tempDir(), chartFiles(`${plain}data:\n  x: {{ tpl .Values.web.x . | quote }}\n`));
    const cache = new RenderCache();
    expect(cache.bypassReason(dir, { web: { x: 'static' } })).toBeUndefined();
    expect(cache.bypassReason(dir, { web: { x: '{{ now }}' } })).toBe('values passed to tpl use now');
    writeTree(dir, { 'files/t.txt': '{{ uuidv4 }}' });
    expect(cache.bypassReason(dir, {})).toBe('files/t.txt (reachable through tpl) uses uuidv4');
  });

  it('never caches a chart with a packaged subchart', () => {
    const dir = writeTree(tempDir(), { ...chartFiles(plain), 'charts/dep-1.0.0.tgz': 'binary' });
    expect(new RenderCache().bypassReason(dir)).toBe('packaged subchart charts/dep-1.0.0.tgz');
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const dir = writeTree(tempDir(), chartFiles(plain));
    const cache = new RenderCache({ maxEntries: 2 });
    const p = producer();
    const k = (a: number) => key(dir, { values: { a } });
    await cache.render(k(1), p.produce);
    await cache.render(k(2), p.produce);
    await cache.render(k(1), p.produce); // 1 is now the most recent
    await cache.render(k(3), p.produce); // evicts 2
    expect(cache.size).toBe(2);
    await cache.render(k(1), p.produce);
    expect(p.calls()).toBe(3);
    await cache.render(k(2), p.produce);
    expect(p.calls()).toBe(4);
  });

  it('hands out copies: mutating a result does not change the cached one; failures are not cached', async () => {
    const dir = writeTree(tempDir(), chartFiles(plain));
    const cache = new RenderCache();
    const p = producer();
    const first = await cache.render(key(dir), p.produce);
    first.objects[0].metadata.name = 'mutated';
    const second = await cache.render(key(dir), p.produce);
    expect(second.objects[0].metadata.name).toBe('call-1');

    const failing = writeTree(tempDir(), chartFiles(`${plain}  labels: {}\n`));
    let attempts = 0;
    const flaky = async () => {
      attempts++;
      if (attempts === 1) throw new Error('helm template failed: boom');
      return p.produce();
    };
    await expect(cache.render(key(failing), flaky)).rejects.toThrow('boom');
    await cache.render(key(failing), flaky);
    await cache.render(key(failing), flaky);
    expect(attempts).toBe(2);
  });
});

describe('InMemoryReleaseStore with the render cache', () => {
  const templated = join(FIXTURES, 'templated');
  const values = { global: {}, templated: { name: 'n', replicas: 2 } };

  it('renders a templated chart through helm once per chart and values; renderCache: false every time', async () => {
    const cache = new RenderCache();
    const store = new InMemoryReleaseStore({
      cluster: new InMemoryCluster(),
      namespace: 'ns',
      charts: () => templated,
      helm: helmBinaries()[3],
      renderCache: cache,
    });
    const first = await store.render('templated', values);
    expect(await store.render('templated', values)).toEqual(first);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, bypassed: 0 });
    await store.render('templated', { ...values, templated: { name: 'm', replicas: 2 } });
    expect(cache.stats.misses).toBe(2);

    const uncached = new InMemoryReleaseStore({
      cluster: new InMemoryCluster(),
      namespace: 'ns',
      charts: () => templated,
      helm: helmBinaries()[3],
      renderCache: false,
    });
    expect(await uncached.render('templated', values)).toEqual(first);
  });
});
