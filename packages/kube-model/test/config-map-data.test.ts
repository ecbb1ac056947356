import { describe, expect, it } from 'vitest';
import {
  ConfigMapDataError,
  configMapDataOf,
  configMapEntryOf,
  parseConfigMapData,
  withConfigSection,
} from '../src/index.js';

describe('the ConfigMap data format (one codec for the kube source, the CLI file and the test kit)', () => {
  const doc = {
    global: { clusterName: 'prod', replicas: 2 },
    kubeDns: { upstream: ['1.1.1.1'], mode: 'yes' },
    kubeDnsEnabled: false,
    kubeDnsMaintenance: 'NoResourceReconciliation',
  };

  it('data written by configMapDataOf reads back as the same document', () => {
    const data = configMapDataOf(doc);
    expect(data.kubeDnsEnabled).toBe('false');
    expect(typeof data.global).toBe('string');
    expect(parseConfigMapData(data, 'd8-system/addon-operator')).toEqual(doc);
  });

  it("a hook's write of module kube-DNS sets the kubeDns key, and removing it is a null entry", () => {
    const { key, value } = configMapEntryOf('kube-DNS', { upstream: ['8.8.8.8'] });
    expect(key).toBe('kubeDns');
    expect(parseConfigMapData({ [key]: value }, 'cm')).toEqual({ kubeDns: { upstream: ['8.8.8.8'] } });
    expect(configMapEntryOf('global', undefined)).toEqual({ key: 'global', value: null });
    expect(withConfigSection(doc, 'kube-DNS', undefined)).not.toHaveProperty('kubeDns');
  });

  it('AO-101 bad data is an error naming the ConfigMap and the key', () => {
    expect(() => parseConfigMapData({ kubeDnsEnabled: 'yes' }, 'ns/cm')).toThrow(ConfigMapDataError);
    expect(() => parseConfigMapData({ kubeDnsEnabled: 'yes' }, 'ns/cm')).toThrow(
      /ns\/cm: data\.kubeDnsEnabled: must be "true" or "false"/,
    );
    expect(() => parseConfigMapData({ kubeDns: 'a: [' }, 'ns/cm')).toThrow(
      /ns\/cm: data\.kubeDns: invalid YAML/,
    );
  });
});
