import { spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { replay } from '@converge/core';
import type { ConvergeEvent } from '@converge/protocol';
import { isProcessAlive } from '@converge/runtime';
import { openSqliteEventReader } from '@converge/store-sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The crash matrix with the real CLI: `converge run --once` installs (phase 1: afterHelm changes
 * values once, so the run repeats), then disables `app` (phase 2: its beforeDeleteHelm hook fails
 * once, then passes). A run is killed with SIGKILL right after an event (the CLI's
 * CONVERGE_TEST_KILL_AFTER_SEQ) or from inside a hook, and run again on the same store.
 */

const root = join(import.meta.dirname, '..', '..');
const node = join(root, 'node_modules', 'node', 'bin', 'node');
const bin = join(root, 'packages', 'cli', 'bin', 'converge.mjs');
const base = mkdtempSync(join(tmpdir(), 'converge-cli-crash-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

const prelude = (config: string) => `#!/usr/bin/env bash
set -euo pipefail
if [[ "\${1:-}" == "--config" ]]; then echo '${config}'; exit 0; fi
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
HOOK="$(basename "$0" .sh)"
echo "$$" >> "$ROOT/pids"
n=$(( $(cat "$ROOT/calls-$HOOK" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$ROOT/calls-$HOOK"
if [[ -f "$ROOT/crash-inside" && "$(cat "$ROOT/crash-inside")" == "$HOOK:$n" ]]; then
  kill -9 "$PPID"; sleep 300
fi
`;

const files: Record<string, string> = {
  'modules/values.yaml': 'appEnabled: true\nkeeperEnabled: true\n',
  'modules/010-app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
  'modules/010-app/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-marker\ndata:\n  a: "1"\n',
  'modules/020-keeper/Chart.yaml': 'apiVersion: v2\nname: keeper\nversion: 0.1.0\n',
  'modules/020-keeper/templates/cm.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keeper-marker\ndata:\n  a: "1"\n',
  'modules/010-app/hooks/after-helm.sh': `${prelude('{"configVersion":"v1","afterHelm":10}')}
if [[ "$n" == 1 ]]; then echo '[{"op":"add","path":"/app/seen","value":true}]' > "$VALUES_JSON_PATCH_PATH"; fi
`,
  'modules/010-app/hooks/cleanup.sh': `${prelude(
    '{"configVersion":"v1","beforeDeleteHelm":10,"kubernetes":[{"name":"markers","apiVersion":"v1","kind":"ConfigMap","executeHookOnEvent":[],"executeHookOnSynchronization":false,"jqFilter":".metadata.name"}]}',
  )}
if [[ "$n" == 1 || -f "$ROOT/always-fail" ]]; then echo "bdh-fail" >> "$ROOT/journal"; echo "finalizers still present" >&2; exit 3; fi
echo "bdh-ok $(jq -c '[.[0].snapshots.markers[].filterResult] | sort' "$BINDING_CONTEXT_PATH")" >> "$ROOT/journal"
`,
  'modules/010-app/hooks/after-delete.sh': `${prelude('{"configVersion":"v1","afterDeleteHelm":10}')}
echo "adh-ok" >> "$ROOT/journal"
`,
  'on.yaml': 'appEnabled: true\n',
  'off.yaml': 'appEnabled: false\n',
};

function workDir(name: string): string {
  const dir = join(base, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
    if (path.endsWith('.sh')) chmodSync(join(dir, path), 0o755);
  }
  return dir;
}

/** One `converge run --once` of `phase` in `dir`; resolves with its exit code or signal. */
function run(dir: string, phase: 'on' | 'off', killAfterSeq?: number, extra: string[] = []) {
  const child = spawn(
    node,
    [bin, 'run', join(dir, 'modules'), '--config', join(dir, `${phase}.yaml`), '--once', '--json', ...extra],
    {
      cwd: dir,
      env: {
        ...process.env,
        ...(killAfterSeq ? { CONVERGE_TEST_KILL_AFTER_SEQ: String(killAfterSeq) } : {}),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
}

function events(dir: string): ConvergeEvent[] {
  const store = openSqliteEventReader(join(dir, '.converge', 'events.sqlite'));
  try {
    return store.read(1);
  } finally {
    void store.close();
  }
}

/** The invariants after the runs reached quiet (see the describe block). */
function check(dir: string): void {
  const journal = readFileSync(join(dir, 'journal'), 'utf8').trim().split('\n');
  const log = events(dir);
  // beforeDeleteHelm passed while the release was there (its object in the snapshot), before any uninstall.
  expect(journal, journal.join(' | ')).toContain('bdh-ok ["app-marker","keeper-marker"]');
  expect(log.some((e) => e.type === 'HelmReleaseUninstalled' && e.module === 'app' && e.purge)).toBe(false);
  const firstUninstall = log.findIndex((e) => e.type === 'HelmReleaseUninstalled' && e.module === 'app');
  if (firstUninstall >= 0) {
    const before = log.slice(0, firstUninstall);
    expect(
      before.some(
        (e) => e.type === 'HookSucceeded' && e.module === 'app' && e.binding === 'beforeDeleteHelm',
      ),
    ).toBe(true);
  }
  // afterDeleteHelm ran after the last successful beforeDeleteHelm (so after the uninstall).
  expect(journal.lastIndexOf('adh-ok')).toBeGreaterThan(journal.findLastIndex((l) => l.startsWith('bdh-ok')));
  const state = replay(log, undefined, { strict: true });
  expect(state.enabled).toEqual(['keeper']);
  expect(state.modules.keeper.value).toBe('ready');
  expect(state.decisions.releases).toEqual(['keeper']);
  expect(state.decisions.pendingDeletes).toEqual([]);
  // No hook process of a killed run is left.
  const pids = readFileSync(join(dir, 'pids'), 'utf8').trim().split('\n').map(Number);
  // A zombie (dead, not yet reaped by an init that does not reap) does not count as alive.
  expect(pids.filter((pid) => isProcessAlive(pid))).toEqual([]);
}

describe('restart with the real CLI after kill -9 (crash matrix sample)', () => {
  let phaseOne = 0;
  let lengths: Record<string, number> = {};
  let clean = '';
  const installed = join(base, 'installed');

  /** A work dir as the clean install run left it (one spawn fewer per case). */
  const afterInstall = (name: string) => {
    const dir = join(base, name);
    cpSync(installed, dir, { recursive: true });
    return dir;
  };

  // The clean pair of runs whose events the crash points are taken from.
  beforeAll(async () => {
    clean = workDir('clean');
    expect((await run(clean, 'on')).code).toBe(0);
    phaseOne = events(clean).length;
    // Every case whose install run is not the point starts from a copy of this one (store and files).
    cpSync(clean, installed, { recursive: true });
    const off = await run(clean, 'off');
    expect(off.code, off.stderr).toBe(0);
    lengths = Object.fromEntries(events(clean).map((e, i) => [`${e.type}#${i}`, i + 1]));
  }, 60_000);

  it('a clean pair of runs: install with an afterHelm re-run, then a delete whose beforeDeleteHelm fails once', () => {
    expect(readFileSync(join(clean, 'journal'), 'utf8').trim().split('\n')).toEqual([
      'bdh-fail',
      'bdh-ok ["app-marker","keeper-marker"]',
      'adh-ok',
    ]);
    check(clean);
  });

  /** Seqs of phase 2 right after these events of the clean run. */
  const phaseTwoPoints = [
    'ModuleDeleteStarted',
    'HookFailed',
    'RetryScheduled',
    'HookSucceeded',
    'HelmReleaseUninstalled',
    'ModuleDeleted',
  ];

  it.concurrent.each(phaseTwoPoints)(
    'killed right after the first %s of the delete run, then run again',
    async (type) => {
      const entry = Object.entries(lengths).find(([k, seq]) => k.startsWith(`${type}#`) && seq > phaseOne);
      expect(entry, `the clean run has a ${type} in its delete run`).toBeDefined();
      const seq = entry![1];
      const dir = afterInstall(`after-${type}`);
      const killed = await run(dir, 'off', seq);
      expect(killed.signal).toBe('SIGKILL');
      expect(events(dir).length).toBe(seq);
      const again = await run(dir, 'off');
      expect(again.code, again.stderr).toBe(0);
      check(dir);
    },
    60_000,
  );

  it.concurrent.each([
    ['after-helm', 1, 'on'],
    ['cleanup', 1, 'off'],
    ['cleanup', 2, 'off'],
    ['after-delete', 1, 'off'],
  ] as const)(
    'killed inside %s (call %i), then run again',
    async (hook, call, phase) => {
      const dir =
        phase === 'off' ? afterInstall(`inside-${hook}-${call}`) : workDir(`inside-${hook}-${call}`);
      writeFileSync(join(dir, 'crash-inside'), `${hook}:${call}`);
      const killed = await run(dir, phase);
      expect(killed.signal).toBe('SIGKILL');
      rmSync(join(dir, 'crash-inside'));
      if (phase === 'on') expect((await run(dir, 'on')).code).toBe(0);
      const again = await run(dir, 'off');
      expect(again.code, again.stderr).toBe(0);
      expect(existsSync(join(dir, 'journal'))).toBe(true);
      check(dir);
    },
    60_000,
  );

  it.concurrent('run --once on a store whose log shows app installed, app disabled now, its beforeDeleteHelm failing: exit 1 after --max-attempts naming module and hook; the release stays until a later run deletes it', async () => {
    const dir = afterInstall('failing-delete');
    writeFileSync(join(dir, 'always-fail'), '');
    const failed = await run(dir, 'off', undefined, ['--max-attempts', '1']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /module app: ModuleDelete failed 1 times; hook hooks\/cleanup.sh \(beforeDeleteHelm\)/,
    );
    expect(replay(events(dir)).decisions.releases).toEqual(['app', 'keeper']);
    rmSync(join(dir, 'always-fail'));
    const again = await run(dir, 'off');
    expect(again.code, again.stderr).toBe(0);
    check(dir);
  }, 60_000);
});
