import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A modules directory whose only module hangs: a beforeHelm hook (or helm itself) that sleeps. */
export interface StuckModules {
  root: string;
  modulesDir: string;
  /** The hanging process writes its pid (= its process group id: hooks and helm run detached) here. */
  pidFile: string;
}

/** Where the module hangs: its beforeHelm hook, its hook's `--config`, its `enabled` script, or helm. */
export type StuckIn = 'hook' | 'config' | 'enabled' | 'helm';

/**
 * Writes `<root>/modules/010-stuck`, whose `stuckIn` step writes its pid and runs `sleep 1000`
 * (for `helm`: a hook that succeeds and a templated chart; pair it with writeSleepingHelm).
 * `ignoreTerm` makes the sleeping script and its sleep ignore SIGTERM, so only SIGKILL ends them.
 */
export function writeStuckModules(options: { stuckIn?: StuckIn; ignoreTerm?: boolean } = {}): StuckModules {
  const stuckIn = options.stuckIn ?? 'hook';
  const root = mkdtempSync(join(tmpdir(), 'converge-stop-'));
  const modulesDir = join(root, 'modules');
  const module = join(modulesDir, '010-stuck');
  const pidFile = join(root, 'pid');
  mkdirSync(join(module, 'hooks'), { recursive: true });
  writeFileSync(join(modulesDir, 'values.yaml'), 'stuckEnabled: true\n');
  const sleep = [
    options.ignoreTerm ? "trap '' TERM" : '',
    // A builtin (one write of "pid\n"), so no short-lived helper process shares the group.
    `echo $$ > ${JSON.stringify(pidFile)}`,
    'sleep 1000',
  ];
  const config = `echo '{"configVersion":"v1","beforeHelm":1}'`;
  writeScript(join(module, 'hooks', 'sleep.sh'), [
    `if [[ "\${1:-}" == "--config" ]]; then`,
    ...(stuckIn === 'config' ? sleep : [config, 'exit 0']),
    'fi',
    ...(stuckIn === 'hook' ? sleep : []),
  ]);
  if (stuckIn === 'enabled') writeScript(join(module, 'enabled'), sleep);
  if (stuckIn === 'helm') {
    // A template expression, so the chart goes through `helm template` (plain YAML renders in-process).
    mkdirSync(join(module, 'templates'), { recursive: true });
    writeFileSync(join(module, 'Chart.yaml'), 'apiVersion: v2\nname: stuck\nversion: 0.1.0\n');
    writeFileSync(
      join(module, 'templates', 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n',
    );
  }
  return { root, modulesDir, pidFile };
}

/** Writes an executable bash script. */
export function writeScript(path: string, lines: string[]): void {
  writeFileSync(path, ['#!/usr/bin/env bash', ...lines, ''].join('\n'));
  chmodSync(path, 0o755);
}

/** A fake `helm` that answers `version` and sleeps (after writing its pid to `pidFile`) on anything else. */
export function writeSleepingHelm(root: string, pidFile: string): string {
  const helm = join(root, 'fake-helm');
  writeFileSync(
    helm,
    [
      '#!/usr/bin/env bash',
      'if [[ "$1" == "version" ]]; then echo v3.17.0; exit 0; fi',
      `echo $$ > ${JSON.stringify(pidFile)}`,
      'sleep 1000',
      '',
    ].join('\n'),
  );
  chmodSync(helm, 0o755);
  return helm;
}

/** Resolves with the content of `path` once it holds a whole line (an inotify watch on its directory, no polling). */
export function waitForFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dirname(path), () => check());
    watcher.on('error', reject);
    const check = () => {
      if (!existsSync(path)) return;
      const content = readFileSync(path, 'utf8');
      if (!content.endsWith('\n')) return; // created, not yet written
      watcher.close();
      resolve(content.trim());
    };
    check();
  });
}

/**
 * Pids of live processes in process group `pgid`, read from /proc. A zombie, or a process already
 * in its exit path (PF_EXITING: its pipes are closed and it runs no more user code), is not live.
 */
export function liveGroupMembers(pgid: number): number[] {
  const PF_EXITING = 0x4;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(join('/proc', entry, 'stat'), 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp session tty_nr tpgid flags …; comm may hold spaces and parentheses.
    const [state, , pgrp, , , , flags] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    if ((Number(flags) & PF_EXITING) === 0) pids.push(Number(entry));
  }
  return pids;
}
