import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@converge/core';
import { isProcessAlive, processStartTime } from './proc-stat.js';

/**
 * Private temp dirs (hook files, enabled-script files, helm values, the kubeconfig copy) are named
 * after the process that made them: `converge-<kind>-<pid>-<start time>-XXXXXX`, 0700. A later run
 * can then tell the leftovers of a crashed process (owner gone, or its pid now reused by another
 * process) from the dirs of a live one, and `removeStaleTempDirs` removes only the former.
 */

const NAME = /^converge-([a-z]+(?:-[a-z]+)*)-(\d+)-(\d+)-[A-Za-z0-9]{6}$/;

let ownStart: number | undefined;

/** `converge-<kind>-<pid>-<start time>-`, the prefix of this process's dirs of that kind. */
export function privateTempPrefix(kind: string): string {
  if (!/^[a-z]+(?:-[a-z]+)*$/.test(kind))
    throw new Error(`temp dir kind ${JSON.stringify(kind)}: lowercase words`);
  ownStart ??= processStartTime(process.pid) ?? 0;
  return `converge-${kind}-${process.pid}-${ownStart}-`;
}

/** Creates a new private 0700 directory of `kind` under `parent` (default: the OS temp dir). */
export function makePrivateTempDir(kind: string, parent: string = tmpdir()): string {
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const dir = mkdtempSync(join(parent, privateTempPrefix(kind)));
  chmodSync(dir, 0o700);
  return dir;
}

/** The owner a private temp dir's name gives, or undefined for any other name. */
export function privateTempOwner(name: string): { kind: string; pid: number; startTime: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  return { kind: m[1] as string, pid: Number(m[2]), startTime: Number(m[3]) };
}

/**
 * Removes the private temp dirs under `parent` whose owner process is gone (a crashed run's
 * leftovers); never a dir of a live process, nor one named otherwise. Returns the removed paths;
 * a dir that cannot be removed (another user's) is skipped with a warning.
 */
export function removeStaleTempDirs(parent: string = tmpdir(), logger?: Logger): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const owner = privateTempOwner(name);
    if (!owner) continue;
    // A start time of 0 was written where /proc was missing: only the pid can be checked then.
    if (isProcessAlive(owner.pid, owner.startTime === 0 ? undefined : owner.startTime)) continue;
    const path = join(parent, name);
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch (e) {
      logger?.warn({ dir: path }, `cannot remove a stale temp dir: ${(e as Error).message}`);
    }
  }
  if (removed.length > 0)
    logger?.info(
      { dirs: removed },
      `removed ${removed.length} temp dirs left by converge processes that are gone`,
    );
  return removed;
}
