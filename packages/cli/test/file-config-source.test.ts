import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigDocument } from '@converge/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FileConfigSource } from '../src/file-config-source.js';

let dir: string;
let stop: (() => void) | undefined;

afterEach(() => {
  stop?.();
  stop = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Watches `path` and hands out each config `onChange` delivers, in order. */
async function watched(path: string) {
  const source = new FileConfigSource(path);
  const first = await source.load();
  const seen: ConfigDocument[] = [];
  const waiters: Array<() => void> = [];
  stop = source.watch(
    (config) => {
      seen.push(config);
      for (const w of waiters.splice(0)) w();
    },
    (error) => {
      throw error;
    },
  );
  /** Resolves on the first delivered config whose `myModule.n` is `n` (delivered before or after the call). */
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (seen.some((c) => (c.myModule as { n?: number } | undefined)?.n === n)) resolve();
        else waiters.push(check);
      };
      check();
    });
  return { first, until, seen };
}

const yaml = (n: number) => `myModule:\n  n: ${n}\n`;

describe('--config FILE keeps being read after the file is replaced', () => {
  it('AO-36 sed -i (a new file renamed over the old one), twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'converge-config-sed-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, yaml(1));
    const w = await watched(file);
    expect(w.first).toEqual({ myModule: { n: 1 } });
    execFileSync('sed', ['-i', 's/n: 1/n: 2/', file]);
    await w.until(2);
    execFileSync('sed', ['-i', 's/n: 2/n: 3/', file]);
    await w.until(3);
  });

  it('AO-36 an editor that saves as vim does (backup by rename, new file, backup removed), twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'converge-config-editor-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, yaml(1));
    const w = await watched(file);
    const save = (n: number) => {
      renameSync(file, `${file}~`);
      writeFileSync(file, yaml(n));
      rmSync(`${file}~`);
    };
    save(2);
    await w.until(2);
    save(3);
    await w.until(3);
  });

  it('AO-36 a mounted ConfigMap: Kubernetes swaps the ..data symlink, twice', async () => {
    dir = mkdtempSync(join(tmpdir(), 'converge-config-configmap-'));
    // The kubelet's layout: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>/
    const version = (n: number) => {
      const d = join(dir, `..2026_01_01_00_00_0${n}`);
      mkdirSync(d);
      writeFileSync(join(d, 'config.yaml'), yaml(n));
      return d;
    };
    const swap = (n: number, old: string) => {
      const next = version(n);
      symlinkSync(next, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(old, { recursive: true });
      return next;
    };
    let current = version(1);
    symlinkSync(current, join(dir, '..data'));
    symlinkSync(join('..data', 'config.yaml'), join(dir, 'config.yaml'));
    const w = await watched(join(dir, 'config.yaml'));
    expect(w.first).toEqual({ myModule: { n: 1 } });
    current = swap(2, current);
    await w.until(2);
    swap(3, current);
    await w.until(3);
    expect(w.seen.map((c) => (c.myModule as { n: number }).n)).toEqual([2, 3]);
  });
});
