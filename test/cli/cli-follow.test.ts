import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConvergeEvent } from '@converge/protocol';
import { JsonlEventWriter, MemoryEventStore } from '@converge/runtime';
import { openSqliteEventStore } from '@converge/store-sqlite';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { defaultStream, followLog } from '../../packages/cli/src/log-source.js';
import { main } from '../../packages/cli/src/main.js';
import { sampleEvent } from '../event-store-conformance.js';

const work = mkdtempSync(join(tmpdir(), 'converge-follow-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Follows `location`; `until(seq)` resolves once the event with that seq was handed over. */
async function follow(location: string) {
  const seen: number[] = [];
  const waiting = new Map<number, () => void>();
  const errors: Error[] = [];
  const follower = await followLog(location, {
    onEvent: (e: ConvergeEvent) => {
      seen.push(e.seq);
      waiting.get(e.seq)?.();
    },
    onError: (e) => errors.push(e),
  });
  const until = (seq: number) =>
    seen.includes(seq) ? Promise.resolve() : new Promise<void>((r) => waiting.set(seq, r));
  return { follower, seen, until, errors };
}

describe('converge events --follow on local logs', () => {
  it('a sqlite store: the events there, then each one its writer appends, in order', async () => {
    const path = join(work, 'follow.sqlite');
    const writer = openSqliteEventStore(path);
    writer.append([sampleEvent(0), sampleEvent(1)]);
    const f = await follow(`sqlite:${path}`);
    expect(f.seen).toEqual([1, 2]);
    writer.append([sampleEvent(2)]);
    writer.append([sampleEvent(3), sampleEvent(4)]);
    await f.until(5);
    expect(f.seen).toEqual([1, 2, 3, 4, 5]);
    expect(f.errors).toEqual([]);
    await f.follower.close();
    await writer.close();
  });

  it('a JSONL file: the lines there, then each line appended, in order', async () => {
    const path = join(work, 'follow.jsonl');
    const events = new MemoryEventStore().append(Array.from({ length: 4 }, (_, i) => sampleEvent(i)));
    const writer = new JsonlEventWriter(path);
    writer.append(events.slice(0, 2));
    const f = await follow(path);
    expect(f.seen).toEqual([1, 2]);
    writer.append(events.slice(2));
    await f.until(4);
    expect(f.seen).toEqual([1, 2, 3, 4]);
    await f.follower.close();
    await writer.close();
  });
});

describe('--stream default', () => {
  it('is embedded on the embedded cluster, else the kube context: --context, $KUBE_CONTEXT, then the current context', () => {
    const kubeconfig = join(work, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: alpha
clusters: [{ name: c, cluster: { server: 'https://127.0.0.1:1' } }]
users: [{ name: u, user: {} }]
contexts:
  - { name: alpha, context: { cluster: c, user: u } }
  - { name: beta, context: { cluster: c, user: u } }
`,
    );
    expect(defaultStream({ cluster: 'embedded' }, {})).toBe('embedded');
    expect(defaultStream({ cluster: 'kube', kubeconfig }, {})).toBe('alpha');
    expect(defaultStream({ cluster: 'kube', kubeconfig, context: 'beta' }, {})).toBe('beta');
    expect(defaultStream({ cluster: 'kube', kubeconfig }, { KUBE_CONTEXT: 'beta' })).toBe('beta');
    expect(defaultStream({ cluster: 'kube' }, { KUBE_CONFIG: kubeconfig })).toBe('alpha');
  });

  it('--stream with a sqlite store or a JSONL log is a usage error (exit 2): they hold one log', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['events', join(work, 'x.jsonl'), '--stream', 'a'])).toBe(2);
      expect(await main(['replay', 'sqlite:x.sqlite', '--stream', 'a'])).toBe(2);
      expect(await main(['run', 'modules', '--store', 'sqlite:x.sqlite', '--stream', 'a'])).toBe(2);
      expect(String(stderr.mock.calls[0][0])).toContain('--stream a needs a postgres:// store');
    } finally {
      stderr.mockRestore();
    }
  });
});
