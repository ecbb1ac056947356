import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../src/logger.js';
import {
  makePrivateTempDir,
  PROCESS_OWNER_ENV,
  type ProcessGroupRecord,
  ProcessGroupRegistry,
  privateTempOwner,
  processGroupMembers,
  processStartTime,
  removeStaleTempDirs,
} from '../src/process/index.js';
import { MemoryEventStore } from '../src/store/index.js';

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.pid && c.exitCode === null) process.kill(-c.pid, 'SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A process group of `sh` and its `sleep 1000` (as a hook would leave it), once both run. */
async function sleepingGroup(
  script = 'sleep 1000 & echo ready; wait',
  env?: NodeJS.ProcessEnv,
): Promise<ChildProcess & { pid: number }> {
  const child = spawn('sh', ['-c', script], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    ...(env ? { env } : {}),
  });
  children.push(child);
  await once(child.stdout!, 'data');
  return child as ChildProcess & { pid: number };
}

/** The pid of a process that has exited (its number is free, or taken by a later process). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid as number;
}

const record = (pgid: number, owner: ProcessGroupRecord['owner']): ProcessGroupRecord => ({
  pgid,
  startTime: processStartTime(pgid) as number,
  command: ['sh', '-c', 'sleep 1000 & echo ready; wait'],
  owner,
});

describe('ProcessGroupRegistry', () => {
  it("reapStale also ends a group the gone owner spawned but never recorded (killed between spawn and record), found by its owner mark; another store's marks are left alone", async () => {
    const store = new MemoryEventStore();
    new ProcessGroupRegistry().attach(store.records);
    const storeId = store.records.get('process-owner/store-id') as string;
    expect(typeof storeId).toBe('string');
    const gone = await deadPid();
    const mark = (id: string) => ({ ...process.env, [PROCESS_OWNER_ENV]: `${id}:${gone}:1:${hostname()}` });
    const orphan = await sleepingGroup(undefined, mark(storeId));
    const foreign = await sleepingGroup(undefined, mark('another-store'));
    const registry = new ProcessGroupRegistry({ killGraceMs: 2_000 });
    registry.attach(store.records);
    const exited = once(orphan, 'exit');
    const reaped = await registry.reapStale();
    await exited;
    expect(reaped.map((r) => r.pgid)).toEqual([orphan.pid]);
    expect(processGroupMembers(orphan.pid)).toEqual([]);
    expect(processGroupMembers(foreign.pid).length).toBeGreaterThan(0);
  });

  it('a spawned process carries the owner mark of its store once the registry is attached', () => {
    const store = new MemoryEventStore();
    const registry = new ProcessGroupRegistry();
    expect(registry.track.env).toBeUndefined();
    registry.attach(store.records);
    const id = store.records.get('process-owner/store-id') as string;
    expect(registry.track.env?.[PROCESS_OWNER_ENV]).toMatch(new RegExp(`^${id}:${process.pid}:\\d*:`));
    const again = new ProcessGroupRegistry();
    again.attach(store.records);
    expect(store.records.get('process-owner/store-id')).toBe(id);
  });

  it('records a spawned group and deletes the record once the group is gone', async () => {
    const store = new MemoryEventStore();
    const registry = new ProcessGroupRegistry();
    registry.attach(store.records);
    const child = spawn('sh', ['-c', 'exit 0'], { detached: true, stdio: 'ignore' });
    const done = registry.track({ pid: child.pid as number, command: ['sh', '-c', 'exit 0'] });
    expect(store.records.get(`process-group/${child.pid}`)).toMatchObject({
      pgid: child.pid,
      command: ['sh', '-c', 'exit 0'],
      owner: { pid: process.pid },
    });
    await once(child, 'exit');
    done();
    expect(store.records.keys('process-group/')).toEqual([]);
  });

  it('reapStale kills the groups of a gone owner (leader and children), logs them, and drops their records', async () => {
    const group = await sleepingGroup();
    const store = new MemoryEventStore();
    store.records.put(
      `process-group/${group.pid}`,
      record(group.pid, { pid: await deadPid(), startTime: 1 }),
    );
    const registry = new ProcessGroupRegistry();
    registry.attach(store.records);
    const logger = new MemoryLogger();
    const exited = once(group, 'exit');
    const reaped = await registry.reapStale(logger);
    expect(reaped).toHaveLength(1);
    expect(reaped[0]).toMatchObject({ pgid: group.pid, signal: 'SIGTERM' });
    expect(reaped[0]?.pids).toContain(group.pid);
    expect(reaped[0]?.pids.length).toBe(2);
    await exited;
    expect(processGroupMembers(group.pid)).toEqual([]);
    expect(store.records.keys('process-group/')).toEqual([]);
    expect(logger.records.find((r) => r.level === 'warn')?.msg).toMatch(
      new RegExp(`killed process group ${group.pid} .*left running by a converge process that is gone`),
    );
  });

  it('SIGKILLs, after the grace, the groups that ignore SIGTERM, all groups in one grace', async () => {
    const stubborn = await sleepingGroup("trap '' TERM; sleep 1000 & echo ready; wait");
    const polite = await sleepingGroup();
    const store = new MemoryEventStore();
    const owner = { pid: await deadPid(), startTime: 1 };
    store.records.put(`process-group/${stubborn.pid}`, record(stubborn.pid, owner));
    store.records.put(`process-group/${polite.pid}`, record(polite.pid, owner));
    const registry = new ProcessGroupRegistry({ killGraceMs: 200 });
    registry.attach(store.records);
    const reaped = await registry.reapStale();
    expect(Object.fromEntries(reaped.map((r) => [r.pgid, r.signal]))).toEqual({
      [stubborn.pid]: 'SIGKILL',
      [polite.pid]: 'SIGTERM',
    });
    expect(processGroupMembers(stubborn.pid)).toEqual([]);
    expect(processGroupMembers(polite.pid)).toEqual([]);
  });

  it('leaves the groups of a live owner, of another host, and a group whose leader pid now names another process', async () => {
    const live = await sleepingGroup();
    const reused = await sleepingGroup();
    const remote = await sleepingGroup();
    const store = new MemoryEventStore();
    store.records.put(
      `process-group/${remote.pid}`,
      record(remote.pid, { pid: await deadPid(), startTime: 1, host: 'another-host' }),
    );
    store.records.put(`process-group/${live.pid}`, record(live.pid, { pid: process.pid }));
    // Recorded with another start time: the pid is not the process that was recorded.
    store.records.put(`process-group/${reused.pid}`, {
      ...record(reused.pid, { pid: await deadPid(), startTime: 1 }),
      startTime: 1,
    });
    const registry = new ProcessGroupRegistry();
    registry.attach(store.records);
    expect(await registry.reapStale()).toEqual([]);
    expect(processGroupMembers(live.pid).length).toBe(2);
    expect(processGroupMembers(reused.pid).length).toBe(2);
    expect(processGroupMembers(remote.pid).length).toBe(2);
    expect(store.records.keys('process-group/').sort()).toEqual(
      [`process-group/${live.pid}`, `process-group/${remote.pid}`].sort(),
    );
  });
});

describe('private temp dirs', () => {
  it('are 0700 and named after this process; removeStaleTempDirs removes only those of gone processes', async () => {
    const root = mkdtempSync(join(tmpdir(), 'converge-test-root-'));
    dirs.push(root);
    const mine = makePrivateTempDir('hook', root);
    expect(statSync(mine).mode & 0o777).toBe(0o700);
    expect(privateTempOwner(mine.slice(root.length + 1))).toEqual({
      kind: 'hook',
      pid: process.pid,
      startTime: processStartTime(process.pid),
    });
    const dead = join(root, `converge-kube-${await deadPid()}-1-abc123`);
    const foreign = join(root, 'converge-hook-abc123');
    for (const d of [dead, foreign]) mkdirSync(d);
    const logger = new MemoryLogger();
    expect(removeStaleTempDirs(root, logger)).toEqual([dead]);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(foreign)).toBe(true);
    expect(logger.records.at(-1)?.msg).toBe('removed 1 temp dirs left by converge processes that are gone');
  });
});
