/**
 * The environment a hook process starts with (DESIGN.md `hookEnv`): an allow-listed copy of the
 * engine's environment — PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR, KUBECONFIG and the proxy
 * variables — plus `passthrough` names, or everything with `inherit: true` (addon-operator's way).
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
  return out;
}
