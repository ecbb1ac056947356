import { readFile } from 'node:fs/promises';
import type { ConfigDocument } from '@converge/core';
import { parseConfigMapData } from '@converge/runtime';
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
  if (doc.kind !== 'ConfigMap') return doc;
  try {
    return parseConfigMapData(doc.data, path);
  } catch (e) {
    throw new ConfigFileError(e instanceof Error ? e.message : String(e));
  }
}
