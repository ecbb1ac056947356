import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The environment a hook process starts with: an allow-listed copy of the engine's environment —
 * PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR, KUBECONFIG and the proxy variables — plus `passthrough`
 * names, or everything with `inherit: true` (addon-operator's way). When no `jq` is on that PATH,
 * converge's own `jq` (the WebAssembly jq, jq-bin/ of this package) is appended to it, as most
 * addon-operator hooks call jq.
 */

export interface HookEnvOptions {
  /** Extra variable names copied from the engine's environment. */
  passthrough?: readonly string[];
  /** Pass the whole environment, as addon-operator does. */
  inherit?: boolean;
}

/** Names copied by default; `LC_*` is matched by prefix. */
export const DEFAULT_HOOK_ENV_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'TZ',
  'TMPDIR',
  'KUBECONFIG',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
];

/** The allow-listed copy of `source` (the engine's environment) for one hook process. */
export function hookBaseEnv(
  source: Readonly<Record<string, string | undefined>>,
  options: HookEnvOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  const allowed = new Set([...DEFAULT_HOOK_ENV_NAMES, ...(options.passthrough ?? [])]);
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (options.inherit || allowed.has(name) || name.startsWith('LC_')) out[name] = value;
  }
  return withBundledJq(out);
}

/** The directory of converge's `jq` command (a shim running dist/jq-cli.js on the WebAssembly jq). */
export const BUNDLED_JQ_DIR = fileURLToPath(new URL('../jq-bin', import.meta.url));

/** The first executable `name` in the directories of `path`, if any. */
export function findOnPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `env` with converge's `jq` appended to PATH (and `CONVERGE_NODE`, the Node that runs it) when
 * PATH has no `jq`; unchanged otherwise, so an installed jq always wins.
 */
export function withBundledJq(env: Record<string, string>): Record<string, string> {
  if (env.PATH === undefined || findOnPath('jq', env.PATH)) return env;
  return { ...env, PATH: `${env.PATH}${delimiter}${BUNDLED_JQ_DIR}`, CONVERGE_NODE: process.execPath };
}
