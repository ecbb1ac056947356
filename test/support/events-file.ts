import type { ChildProcess } from 'node:child_process';
import { readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';

/** The events of a `--events` JSONL file; an unwritten file or a line being written reads as none. */
function loggedTypes(file: string): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => (JSON.parse(l) as { type: string }).type);
  } catch {
    return [];
  }
}

/**
 * Resolves once the run's `--events` file holds an event of `type`: checked on every change in
 * its directory and every line the process prints, so the wait is for the event, not for time.
 */
export function untilLogged(file: string, type: string, child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (!loggedTypes(file).includes(type)) return;
      watcher.close();
      child.stdout?.off('data', check);
      resolve();
    };
    const watcher = watch(dirname(file), check);
    child.stdout?.on('data', check);
    check();
  });
}
