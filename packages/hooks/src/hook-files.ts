import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HookRunRequest, HookRunResult } from '@converge/core';
import { makePrivateTempDir } from '@converge/runtime';
import {
  HookOutputError,
  parseMetricsFile,
  parseObjectPatchFile,
  parseValuesPatchFile,
} from './hook-output-files.js';

/**
 * The files of one hook run (shell-operator pkg/hook/hook_io.go, shell-operator pkg/hook/hook_io.go): inputs written and every output pre-created empty in a
 * private 0700 directory, which is removed after the run. Outputs are read only after exit 0.
 */

export interface HookRunFiles {
  dir: string;
  /** The protocol variables: `BINDING_CONTEXT_PATH`, `VALUES_PATH`, … */
  env: Record<string, string>;
}

const inputs = {
  BINDING_CONTEXT_PATH: 'binding-context.json',
  VALUES_PATH: 'values.json',
  CONFIG_VALUES_PATH: 'config-values.json',
} as const;

const outputs = {
  VALUES_JSON_PATCH_PATH: 'values.json-patch',
  CONFIG_VALUES_JSON_PATCH_PATH: 'config-values.json-patch',
  KUBERNETES_PATCH_PATH: 'kubernetes-patch',
  METRICS_PATH: 'metrics.json',
  // shell-operator's webhook outputs; addon-operator never reads them, hooks may still expect them.
  ADMISSION_RESPONSE_PATH: 'admission-response.json',
  CONVERSION_RESPONSE_PATH: 'conversion-response.json',
} as const;

/**
 * Creates the run directory under `tmpRoot` (default: the OS temp dir) with inputs and empty outputs.
 * Synchronous fs calls on purpose: a dozen small files cost far less than a dozen thread-pool hops,
 * and they are on every hook run's path (bench: shell hook vs bare spawn).
 */
export async function prepareHookFiles(
  request: Pick<HookRunRequest, 'bindingContexts' | 'values' | 'configValues'>,
  tmpRoot?: string,
): Promise<HookRunFiles> {
  const dir = makePrivateTempDir('hook', tmpRoot);
  try {
    return fillHookFiles(dir, request);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function fillHookFiles(
  dir: string,
  request: Pick<HookRunRequest, 'bindingContexts' | 'values' | 'configValues'>,
): HookRunFiles {
  chmodSync(dir, 0o700);
  const env: Record<string, string> = {};
  const content: Record<keyof typeof inputs, unknown> = {
    BINDING_CONTEXT_PATH: request.bindingContexts,
    VALUES_PATH: request.values,
    CONFIG_VALUES_PATH: request.configValues,
  };
  for (const [variable, file] of Object.entries(inputs) as [keyof typeof inputs, string][]) {
    env[variable] = join(dir, file);
    writeFileSync(env[variable], JSON.stringify(content[variable]), { mode: 0o600 });
  }
  for (const [variable, file] of Object.entries(outputs)) {
    env[variable] = join(dir, file);
    writeFileSync(env[variable], '', { mode: 0o600 });
  }
  env.VALIDATING_RESPONSE_PATH = env.ADMISSION_RESPONSE_PATH as string;
  return { dir, env };
}

/** Reads and parses the outputs of a successful run; a malformed file makes the run fail. */
export async function readHookOutputs(files: HookRunFiles, hookName: string): Promise<HookRunResult> {
  const read = async (variable: keyof typeof outputs) => readFileSync(files.env[variable] as string, 'utf8');
  let variable: keyof typeof outputs = 'METRICS_PATH';
  try {
    const metrics = parseMetricsFile(await read(variable), hookName);
    variable = 'KUBERNETES_PATCH_PATH';
    const objectPatches = parseObjectPatchFile(await read(variable));
    variable = 'CONFIG_VALUES_JSON_PATCH_PATH';
    const configValuesPatch = parseValuesPatchFile(await read(variable));
    variable = 'VALUES_JSON_PATCH_PATH';
    const valuesPatch = parseValuesPatchFile(await read(variable));
    return { ok: true, valuesPatch, configValuesPatch, objectPatches, metrics };
  } catch (e) {
    if (e instanceof HookOutputError)
      return { ok: false, error: `malformed ${variable} file written by ${hookName}: ${e.message}` };
    if ((e as NodeJS.ErrnoException).code === 'ENOENT')
      return { ok: false, error: `${variable} file was removed by ${hookName}` };
    throw e;
  }
}

export async function removeHookFiles(files: HookRunFiles): Promise<void> {
  rmSync(files.dir, { recursive: true, force: true });
}
