import { readFile } from 'node:fs/promises';
import type { ConfigDocument } from '@converge/core';
import { GLOBAL_VALUES_KEY } from '@converge/core';
import { parseConfigMapData, parseGoYaml, parseYamlV3 } from '@converge/kube-model';

/** A config file that cannot be used; the message names the file and the key. */
export class ConfigFileError extends Error {}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `--config`: either a ConfigMap manifest whose `data` values are YAML strings (addon-operator pkg/kube_config_manager/backend/configmap/configmap.go) or
 * plain YAML in the test kit's shape (`{ global: {...}, myModule: {...}, myModuleEnabled: false }`).
 * Plain YAML reads each section in the dialect its ConfigMap key would be read in: `global` as Go's
 * sigs.k8s.io/yaml, the rest as yaml.v3 (kube-model's yaml-dialects.ts), so `yes` means the same in both forms.
 */
export async function readConfigFile(path: string): Promise<ConfigDocument> {
  let doc: unknown;
  try {
    const text = await readFile(path, 'utf8');
    doc = parseYamlV3(text);
    if (isMap(doc) && doc.kind !== 'ConfigMap' && GLOBAL_VALUES_KEY in doc) {
      const asGo = parseGoYaml(text);
      if (isMap(asGo)) doc = { ...doc, [GLOBAL_VALUES_KEY]: asGo[GLOBAL_VALUES_KEY] };
    }
  } catch (e) {
    throw new ConfigFileError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new ConfigFileError(`${path}: expected a mapping at the top level`);
  if (doc.kind !== 'ConfigMap') return doc;
  try {
    return parseConfigMapData(doc.data, path);
  } catch (e) {
    throw new ConfigFileError(e instanceof Error ? e.message : String(e));
  }
}
