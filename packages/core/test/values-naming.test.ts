import { isConvergeError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { enabledBeforeScript } from '../src/planning.js';
import {
  enabledKey,
  isValidModuleName,
  ModuleNameError,
  maintenanceKey,
  moduleNameFromKey,
  parseModuleDirName,
  valuesKey,
} from '../src/values/naming.js';

describe('module naming', () => {
  it('AO-88 015-my-cool-module: name, order, values key, enabled key', () => {
    const { name, order } = parseModuleDirName('015-my-cool-module');
    expect(name).toBe('my-cool-module');
    expect(order).toBe(15);
    expect(valuesKey(name)).toBe('myCoolModule');
    expect(enabledKey(name)).toBe('myCoolModuleEnabled');
    expect(maintenanceKey(name)).toBe('myCoolModuleMaintenance');
  });

  it('AO-88 a directory without a prefix gets the unnumbered order (default 1)', () => {
    expect(parseModuleDirName('no-prefix')).toEqual({ name: 'no-prefix', order: 1 });
    expect(parseModuleDirName('no-prefix', 500)).toEqual({ name: 'no-prefix', order: 500 });
  });

  it('parses leading zeros and falls back when the order exceeds 31 bits', () => {
    expect(parseModuleDirName('001-my-module')).toEqual({ name: 'my-module', order: 1 });
    expect(parseModuleDirName('2147483647-a')).toEqual({ name: 'a', order: 2147483647 });
    expect(parseModuleDirName('2147483648-a', 7)).toEqual({ name: 'a', order: 7 });
  });

  it('converts names and keys both ways', () => {
    expect(valuesKey('cert-manager')).toBe('certManager');
    expect(valuesKey('a')).toBe('a');
    expect(valuesKey('http200-probe')).toBe('http200Probe');
    expect(moduleNameFromKey('certManager')).toBe('cert-manager');
    expect(moduleNameFromKey('verySimpleModule')).toBe('very-simple-module');
    expect(moduleNameFromKey('myCoolModule')).toBe('my-cool-module');
  });

  it.each(['My-module', 'my_module', 'my--module', 'my-module-2', '-lead'])(
    'rejects %s, which does not survive kebab(camel(name))',
    (name) => {
      expect(isValidModuleName(name)).toBe(false);
      let err: unknown;
      try {
        parseModuleDirName(`010-${name}`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ModuleNameError);
      expect(isConvergeError(err)).toBe(true);
      const e = err as ModuleNameError;
      expect(e.dir).toBe(`010-${name}`);
      expect(e.moduleName).toBe(name);
      expect(e.message).toContain(`'010-${name}'`);
    },
  );

  it.each(['my-module', 'cert-manager', 'a', 'node-local-dns', 'http200'])('accepts %s', (name) => {
    expect(isValidModuleName(name)).toBe(true);
  });
});

describe('one module name → values key mapping for every caller', () => {
  // What addon-operator's utils.ModuleNameToValuesKey (github.com/ettle/strcase v0.2.0 ToCamel)
  // returns for these names, checked by running it.
  const fromGo: [string, string][] = [
    ['kube-DNS', 'kubeDns'],
    ['kube-dns', 'kubeDns'],
    ['a-k-test', 'aKTest'],
    ['module-1', 'module1'],
    ['my2-module', 'my2Module'],
    ['ingress-nginx-v2', 'ingressNginxV2'],
    ['x--y', 'xY'],
    ['abc_def', 'abcDef'],
    ['a.b', 'aB'],
    ['ABC', 'abc'],
    ['kubeDNS', 'kubeDns'],
    ['foo-bar-', 'fooBar'],
    ['-foo', 'foo'],
    ['010-x', '010X'],
  ];
  it.each(fromGo)('valuesKey(%j) is %j, as in addon-operator', (name, key) => {
    expect(valuesKey(name)).toBe(key);
  });

  it('kube-DNS: the enable flag planning reads and the config section a hook writes use the same key', () => {
    // Before, planning and the config sources camel-cased with a regex that left `kube-DNS` as is.
    const module = { name: 'kube-DNS', order: 1, hasChart: false, staticEnabled: true };
    expect(enabledBeforeScript(module, { dynamic: {}, config: { kubeDnsEnabled: false } })).toEqual({
      enabled: false,
      by: 'KubeConfig',
    });
    expect(enabledKey('kube-DNS')).toBe('kubeDnsEnabled');
  });
});
