import { readFile } from 'node:fs/promises';
import type { ConfigDocument } from '@converge/core';
import { parse } from 'yaml';

/** A config file that cannot be used; the message names the file and the key. */
export class ConfigFileError extends Error {}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `--config`: either a ConfigMap manifest whose `data` values are YAML strings (AO §10.1) or
 * plain YAML in the test kit's shape (`{ global: {...}, myModule: {...}, myModuleEnabled: false }`).
 */
export async function readConfigFile(path: string): Promise<ConfigDocument> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigFileError(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw new ConfigFileError(`${path}: expected a mapping at the top level`);
  if (doc.kind === 'ConfigMap') return configMapData(path, doc.data);
  return doc;
}

function configMapData(path: string, data: unknown): ConfigDocument {
  if (data === undefined || data === null) return {};
  if (!isMap(data)) throw new ConfigFileError(`${path}: data: expected a mapping`);
  const out: ConfigDocument = {};
  for (const [key, raw] of Object.entries(data)) {
    if (typeof raw !== 'string')
      throw new ConfigFileError(`${path}: data.${key}: values of a ConfigMap are strings`);
    if (key.endsWith('Enabled')) {
      if (raw !== 'true' && raw !== 'false')
        throw new ConfigFileError(
          `${path}: data.${key}: must be "true" or "false", got ${JSON.stringify(raw)}`,
        );
      out[key] = raw === 'true';
      continue;
    }
    if (key.endsWith('Maintenance')) {
      out[key] = raw;
      continue;
    }
    let section: unknown;
    try {
      section = parse(raw);
    } catch (e) {
      throw new ConfigFileError(
        `${path}: data.${key}: invalid YAML: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
    if (section !== null && typeof section !== 'object')
      throw new ConfigFileError(
        `${path}: data.${key}: a section must be a mapping or a list, got ${typeof section}`,
      );
    out[key] = section ?? {};
  }
  return out;
}
