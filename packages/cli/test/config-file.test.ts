import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readConfigFile } from '../src/config-file.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-config-file-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--config reads each section in addon-operator’s dialect for its ConfigMap key', () => {
  it('`yes` means the same in plain YAML and in a ConfigMap manifest: true in global, "yes" in a module', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, 'global:\n  flag: yes\nmyModule:\n  flag: yes\nmyModuleEnabled: false\n');
    const manifest = join(dir, 'cm.yaml');
    writeFileSync(
      manifest,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: addon-operator\ndata:\n' +
        '  global: "flag: yes"\n  myModule: "flag: yes"\n  myModuleEnabled: "false"\n',
    );
    const expected = { global: { flag: true }, myModule: { flag: 'yes' }, myModuleEnabled: false };
    await expect(readConfigFile(plain)).resolves.toEqual(expected);
    await expect(readConfigFile(manifest)).resolves.toEqual(expected);
  });
});
