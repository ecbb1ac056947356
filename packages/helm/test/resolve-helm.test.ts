import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { HelmNotFoundError, isConvergeError } from '@converge/protocol';
import { describe, expect, it } from 'vitest';
import { extractedBinaryCandidates, helmMajorVersion, resolveHelm } from '../src/resolve-helm.js';
import { requireExtracted, tempDir, writeScript } from './helpers.js';

/** Fake helm binaries in a temp dir: explicit, HELM_BIN, two PATH dirs (the first not executable). */
function layout() {
  const root = tempDir();
  const option = writeScript(join(root, 'opt', 'helm'), 'echo option');
  const fromEnv = writeScript(join(root, 'env', 'helm'), 'echo env');
  const notExecutable = join(root, 'path0', 'helm');
  writeScript(notExecutable, 'echo never');
  chmodSync(notExecutable, 0o644);
  const onPath = writeScript(join(root, 'path1', 'helm'), 'echo path');
  const PATH = [join(root, 'path0'), join(root, 'path1')].join(':');
  const noExtraction = tempDir();
  return { root, option, fromEnv, notExecutable, onPath, PATH, noExtraction };
}

describe('resolveHelm', () => {
  it('the helm option wins over HELM_BIN, the extracted helm 3 and PATH', () => {
    const l = layout();
    expect(resolveHelm({ helm: l.option, env: { HELM_BIN: l.fromEnv, PATH: l.PATH } })).toBe(l.option);
  });

  it('HELM_BIN wins over the extracted helm 3 and PATH', () => {
    const l = layout();
    expect(resolveHelm({ env: { HELM_BIN: l.fromEnv, PATH: l.PATH } })).toBe(l.fromEnv);
  });

  it('the extracted helm 3 wins over PATH', () => {
    const l = layout();
    const helm3 = requireExtracted('helm3');
    expect(resolveHelm({ env: { PATH: l.PATH } })).toBe(helm3);
    expect(helm3).toMatch(/node_modules\/\.cache\/converge\/helm3\/helm$/);
  });

  it('falls back to the first executable helm on PATH, skipping non-executable files', () => {
    const l = layout();
    expect(resolveHelm({ env: { PATH: l.PATH }, searchFrom: l.noExtraction })).toBe(l.onPath);
  });

  it('a bare helm option is looked up on PATH', () => {
    const l = layout();
    writeScript(join(l.root, 'path1', 'helm-custom'), 'echo custom');
    expect(resolveHelm({ helm: 'helm-custom', env: { PATH: l.PATH }, searchFrom: l.noExtraction })).toBe(
      join(l.root, 'path1', 'helm-custom'),
    );
  });

  it('a missing option or HELM_BIN falls through to the next place and is listed', () => {
    const l = layout();
    const missing = join(l.root, 'nope', 'helm');
    expect(resolveHelm({ helm: missing, env: { HELM_BIN: l.fromEnv } })).toBe(l.fromEnv);
  });

  it('throws HelmNotFoundError listing every place looked at, in order', () => {
    const l = layout();
    const missingOption = join(l.root, 'nope', 'helm');
    const missingEnv = join(l.root, 'nope-env', 'helm');
    const emptyDir = tempDir();
    const PATH = [join(l.root, 'path0'), emptyDir].join(':');
    let error: unknown;
    try {
      resolveHelm({ helm: missingOption, env: { HELM_BIN: missingEnv, PATH }, searchFrom: l.noExtraction });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HelmNotFoundError);
    expect(isConvergeError(error)).toBe(true);
    const notFound = error as HelmNotFoundError;
    expect(notFound.code).toBe('HELM_NOT_FOUND');
    expect(notFound.searched).toEqual([
      missingOption,
      missingEnv,
      ...extractedBinaryCandidates('helm3', l.noExtraction),
      l.notExecutable,
      join(emptyDir, 'helm'),
    ]);
    expect(notFound.searched[2]).toContain(join('.cache', 'converge', 'helm3', 'helm'));
    for (const place of notFound.searched) expect(notFound.message).toContain(place);
  });

  it('an empty PATH and no extraction still names the extracted location', () => {
    const dir = tempDir();
    expect(() => resolveHelm({ env: { PATH: '' }, searchFrom: dir })).toThrow(
      /helm binary not found; searched: .*node_modules\/\.cache\/converge\/helm3\/helm/,
    );
  });
});

describe('extracted binaries (root postinstall)', () => {
  it('extracts helm 3.17 and helm 4.1 that run', async () => {
    expect(await helmMajorVersion(requireExtracted('helm3'))).toBe(3);
    expect(await helmMajorVersion(requireExtracted('helm4'))).toBe(4);
  });

  it('extracts kubectl 1.32 and 1.33, executable', () => {
    expect(requireExtracted('kubectl-v32')).toMatch(/kubectl-v32\/kubectl$/);
    expect(requireExtracted('kubectl-v33')).toMatch(/kubectl-v33\/kubectl$/);
  });

  it('helmMajorVersion rejects for a binary that fails', async () => {
    const dir = tempDir();
    const broken = writeScript(join(dir, 'helm'), 'exit 3');
    await expect(helmMajorVersion(broken)).rejects.toThrow(/version failed/);
  });
});
