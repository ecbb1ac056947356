import { describe, expect, it } from 'vitest';
import {
  configKeyOf,
  parseConfigMapData,
  parseGoYaml,
  parseGoYamlDocuments,
  parseYamlV3,
  targetOf,
  YamlSyntaxError,
} from '../src/index.js';

describe('YAML dialects: one helper per dialect addon-operator reads', () => {
  const text = 'a: yes\nb: on\nc: 2026-01-01\nd: 0777\ne: 1_000\nf: 0x1F\nh: ~\n';

  it('parseGoYaml reads as sigs.k8s.io/yaml: YAML 1.1 booleans and octal, timestamps as strings', () => {
    // What sigs.k8s.io/yaml v1.6.0 Unmarshal gives for this text, checked by running it.
    expect(parseGoYaml(text)).toEqual({ a: true, b: true, c: '2026-01-01', d: 511, e: 1000, f: 31, h: null });
  });

  it('parseYamlV3 reads as gopkg.in/yaml.v3: `yes` and `on` stay strings', () => {
    const v3 = parseYamlV3(text) as Record<string, unknown>;
    expect(v3.a).toBe('yes');
    expect(v3.b).toBe('on');
    expect(v3.f).toBe(31);
  });

  it('one document or a typed error; several documents with the Go reader', () => {
    expect(parseGoYaml('')).toBeNull();
    expect(() => parseGoYaml('a: 1\n---\nb: 2\n')).toThrow(YamlSyntaxError);
    expect(() => parseYamlV3('a: [')).toThrow(YamlSyntaxError);
    expect(parseGoYamlDocuments('a: y\n---\nb: n\n')).toEqual({
      ok: true,
      values: [{ a: true }, { b: false }],
    });
  });
});

describe('ConfigMap data in addon-operator’s dialects (pkg/kube_config_manager/backend/configmap/configmap.go)', () => {
  it('`yes` is true in the global section (sigs.k8s.io/yaml) and the string "yes" in a module section (yaml.v3)', () => {
    const doc = parseConfigMapData(
      { global: 'flag: yes\n', myModule: 'flag: yes\nmode: on\n', myModuleEnabled: 'true' },
      'cm',
    );
    expect(doc).toEqual({
      global: { flag: true },
      myModule: { flag: 'yes', mode: 'on' },
      myModuleEnabled: true,
    });
  });

  it('a hook’s config patch for module kube-DNS lands in the kubeDns section', () => {
    expect(configKeyOf('kube-DNS')).toBe('kubeDns');
    expect(configKeyOf('global')).toBe('global');
  });
});

describe('object-patch manifests given as strings are read as Kubernetes reads them', () => {
  it('a Create manifest string is YAML 1.1 (an unquoted `on` is a boolean, as kubectl would see it)', () => {
    const ref = targetOf({
      operation: 'Create',
      object: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: on\n' as unknown as never,
    });
    expect(ref.name).toBe('true');
  });
});
