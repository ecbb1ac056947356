import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePrivateTempDir, processGroupMembers } from '@converge/runtime';
import { afterAll, describe, expect, it } from 'vitest';
import { LeftoverGroups } from '../support/leftover-groups.js';

/**
 * `converge run` killed with SIGKILL while a hook sleeps: the hook's process group survives it;
 * the next `converge run` on the same sqlite store ends that group before it runs any hook, and
 * removes the dead run's temp dirs but not a live process's.
 */

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-crash-'));
const leftover = new LeftoverGroups();
afterAll(() => {
  leftover.killAll();
  rmSync(work, { recursive: true, force: true });
});

/** An onStartup global hook that sleeps while `SLEEP` sits beside it. */
function writeHooks() {
  const hooks = join(work, 'global-hooks');
  mkdirSync(hooks, { recursive: true });
  mkdirSync(join(work, 'modules'), { recursive: true });
  const hook = join(hooks, 'sleepy.sh');
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      'if [ "$1" = "--config" ]; then echo \'{"configVersion":"v1","onStartup":1}\'; exit 0; fi',
      'if [ -f "$(dirname "$0")/SLEEP" ]; then echo "sleeping in group $$"; sleep 1000; fi',
      'echo done',
      '',
    ].join('\n'),
  );
  chmodSync(hook, 0o755);
  return { hooks, marker: join(hooks, 'SLEEP') };
}

interface Line {
  msg?: string;
  pgid?: number;
  hook?: string;
}

function converge(args: string[], tmp: string) {
  const child = spawn(bin, args, { cwd: work, env: { ...process.env, TMPDIR: tmp, LOG_LEVEL: 'info' } });
  const lines: Line[] = [];
  let buffer = '';
  let stderr = '';
  let onLine: ((l: Line) => void) | undefined;
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Line;
      lines.push(line);
      onLine?.(line);
    }
  });
  const waitFor = (pred: (l: Line) => boolean) =>
    new Promise<Line>((resolve, reject) => {
      onLine = (l) => pred(l) && resolve(l);
      child.once('exit', () => reject(new Error(`converge exited first: ${stderr}`)));
    });
  return { child, lines, waitFor, stderr: () => stderr };
}

describe('converge run after a crash', () => {
  it('ends the hook process group of a SIGKILLed run before its first hook, and removes its temp dirs', async () => {
    const { hooks, marker } = writeHooks();
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const store = `sqlite:${join(work, 'events.sqlite')}`;
    const args = ['run', join(work, 'modules'), '--global-hooks', hooks, '--store', store, '--json'];

    writeFileSync(marker, '');
    const first = converge(args, tmp);
    const sleeping = await first.waitFor((l) => /^sleeping in group \d+/.test(l.msg ?? ''));
    const pgid = Number(/group (\d+)/.exec(sleeping.msg ?? '')?.[1]);
    leftover.track(pgid);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    // The bug: the hook outlives converge, and so do its private files.
    expect(processGroupMembers(pgid).length).toBeGreaterThan(0);
    const dead = readdirSync(tmp).filter((n) => n.startsWith('converge-hook-'));
    expect(dead).toHaveLength(1);
    const live = makePrivateTempDir('hook', tmp);

    rmSync(marker);
    const second = converge([...args, '--once'], tmp);
    const [code] = (await once(second.child, 'exit')) as [number];
    expect(code, second.stderr()).toBe(0);
    const killed = second.lines.findIndex((l) => l.msg?.startsWith(`killed process group ${pgid} `));
    const hookRun = second.lines.findIndex((l) => l.hook === 'sleepy.sh');
    expect(killed).toBeGreaterThanOrEqual(0);
    expect(hookRun).toBeGreaterThan(killed);
    expect(second.lines[killed]).toMatchObject({ pgid });
    expect(processGroupMembers(pgid)).toEqual([]);
    expect(readdirSync(tmp).filter((n) => n.startsWith('converge-hook-'))).toEqual([
      live.slice(tmp.length + 1),
    ]);
  });
});
