import { type ConfigDocument, GLOBAL_VALUES_KEY, type Values, valuesKey } from '@converge/core';
import { ConvergeError } from '@converge/protocol';
import { stringify } from 'yaml';
import { parseGoYaml, parseYamlV3 } from './yaml-dialects.js';

/** A ConfigMap's `data` that cannot be used as config; the message names where it came from and the key. */
export class ConfigMapDataError extends ConvergeError {
  readonly code = 'CONFIG_MAP_DATA';
  constructor(
    message: string,
    readonly where: string,
    readonly key?: string,
  ) {
    super(message);
  }
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The config document of addon-operator's ConfigMap `data` (addon-operator pkg/kube_config_manager/backend/configmap/configmap.go): `<key>Enabled` is "true" or
 * "false", `<key>Maintenance` stays a string, every other value is a YAML mapping or list, read in
 * addon-operator's dialect for it (`global` as sigs.k8s.io/yaml reads it, so `yes` is true; module
 * sections as yaml.v3 does, so `yes` stays a string; see yaml-dialects.ts). Throws a
 * ConfigMapDataError naming `where` (a file or `namespace/name`) and the key.
 */
export function parseConfigMapData(data: unknown, where: string): ConfigDocument {
  if (data === undefined || data === null) return {};
  if (!isMap(data)) throw new ConfigMapDataError(`${where}: data: expected a mapping`, where);
  const out: ConfigDocument = {};
  for (const [key, raw] of Object.entries(data)) {
    const fail = (message: string) => new ConfigMapDataError(`${where}: data.${key}: ${message}`, where, key);
    if (typeof raw !== 'string') throw fail('values of a ConfigMap are strings');
    if (key.endsWith('Enabled')) {
      if (raw !== 'true' && raw !== 'false')
        throw fail(`must be "true" or "false", got ${JSON.stringify(raw)}`);
      out[key] = raw === 'true';
      continue;
    }
    if (key.endsWith('Maintenance')) {
      out[key] = raw;
      continue;
    }
    let section: unknown;
    try {
      section = key === GLOBAL_VALUES_KEY ? parseGoYaml(raw) : parseYamlV3(raw);
    } catch (e) {
      throw fail(`invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (section !== null && typeof section !== 'object')
      throw fail(`a section must be a mapping or a list, got ${typeof section}`);
    out[key] = section ?? {};
  }
  return out;
}

/** The inverse of parseConfigMapData: booleans and strings as they are, sections as YAML. */
export function configMapDataOf(document: ConfigDocument): Record<string, string> {
  return Object.fromEntries(
    Object.entries(document).map(([k, v]) => [
      k,
      typeof v === 'boolean' ? String(v) : typeof v === 'string' ? v : stringify(v),
    ]),
  );
}

/**
 * The data entry a hook's write of `section` sets in the ConfigMap: its key (`configKeyOf`) and
 * its text, or null to remove the key (a JSON merge patch of `data` with it removes the key).
 */
export function configMapEntryOf(
  section: string,
  values: Values | undefined,
): { key: string; value: string | null } {
  const key = configKeyOf(section);
  return { key, value: values === undefined ? null : configMapDataOf({ [key]: values })[key] };
}

/** The config key of a section a hook patches: `global`, or the module's values key (`valuesKey`). */
export function configKeyOf(section: string): string {
  return section === GLOBAL_VALUES_KEY ? GLOBAL_VALUES_KEY : valuesKey(section);
}

/** The config document with `section` replaced by `values` (removed when undefined). */
export function withConfigSection(
  document: ConfigDocument,
  section: string,
  values: Values | undefined,
): ConfigDocument {
  const key = configKeyOf(section);
  const next = { ...document };
  if (values === undefined) delete next[key];
  else next[key] = values;
  return next;
}
