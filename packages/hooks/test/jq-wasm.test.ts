import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { collectJqResults } from '@converge/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLED_JQ_DIR,
  hookBaseEnv,
  JqError,
  JqWasmEngine,
  jqPatchFunction,
  withBundledJq,
} from '../src/index.js';

let engine: JqWasmEngine;
let dir: string;
beforeAll(async () => {
  engine = await JqWasmEngine.load();
  dir = mkdtempSync(join(tmpdir(), 'converge-jq-wasm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('JqWasmEngine: jq as WebAssembly, in process (jqFilters without a jq binary)', () => {
  it('TV-22 returns every output in order; 0 results → null, 1 → value, n → array', () => {
    expect(engine.evaluate('.metadata.name', { metadata: { name: 'x' } })).toEqual(['x']);
    expect(engine.evaluate('.[] | . * 2', [1, 2, 3])).toEqual([2, 4, 6]);
    expect(collectJqResults(engine.evaluate('.a[]?', { a: [] }))).toBeNull();
    expect(collectJqResults(engine.evaluate('.a[]', { a: [1, 2] }))).toEqual([1, 2]);
    const [out] = engine.evaluate('{b: 1, a: {d: 2, c: 3}}', null);
    expect(JSON.stringify(out)).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('TV-22 throws JqError on runtime and compile errors and keeps working; halt and input do not stall', () => {
    expect(() => engine.evaluate('.a.b', 'text')).toThrow(JqError);
    expect(() => engine.evaluate('.a.b', 'text')).toThrow(/Cannot index string/);
    expect(() => engine.evaluate('.a |', {})).toThrow(/compile error/);
    expect(engine.evaluate('.x # the x', { x: 5 })).toEqual([5]);
    expect(engine.evaluate('halt', 1)).toEqual([]);
    expect(() => engine.evaluate('input', 1)).toThrow(JqError);
    expect(engine.evaluate('.', 2)).toEqual([2]);
    expect(engine.check('.metadata.name')).toBeUndefined();
    expect(engine.check('.a |')).toMatch(/syntax error/);
    expect(engine.check('$nope')).toMatch(/\$nope is not defined/);
    expect(jqPatchFunction(engine)('.data.x = "1"', { data: {} })).toEqual({ data: { x: '1' } });
  });
});

describe('the jq command hooks get when no jq is installed', () => {
  const jq = join(BUNDLED_JQ_DIR, 'jq');
  const env = { PATH: process.env.PATH ?? '', CONVERGE_NODE: process.execPath };
  const run = (args: string[], input?: string) =>
    spawnSync(jq, args, { env, input: input ?? '', encoding: 'utf8', timeout: 30_000 });

  it('TV-98 reads files and stdin, prints as jq prints, and exits with jq’s status', () => {
    const file = join(dir, 'values.json');
    writeFileSync(file, '{"global":{"clusterName":"demo"},"list":[1,2]}');
    expect(run(['-r', '.global.clusterName // "unknown"', file]).stdout).toBe('demo\n');
    expect(run(['-c', '.list', '--arg', 'x', 'y'], '{"list":[3]}').stdout).toBe('[3]\n');
    const falsy = run(['-e', '.missing', file]);
    expect([falsy.stdout, falsy.status]).toEqual(['null\n', 1]);
    const failed = run(['.global | error', file]);
    expect(failed.status).toBe(5);
    expect(failed.stderr).toContain(`jq: error (at ${file}`);
    expect(run(['.a |'], '{}').status).toBe(3);
    const stream = join(dir, 'stream.json');
    writeFileSync(stream, '{"a":1}{"b":\n2}');
    expect(run(['-nc', '--slurpfile', 'x', stream, '$x']).stdout).toBe('[{"a":1},{"b":2}]\n');
  });

  it('TV-98 is appended to a hook’s PATH only when PATH has no jq', () => {
    const noJq = mkdtempSync(join(dir, 'bin-'));
    const env = hookBaseEnv({ PATH: noJq, HOME: '/root' });
    expect(env.PATH).toBe(`${noJq}${delimiter}${BUNDLED_JQ_DIR}`);
    expect(env.CONVERGE_NODE).toBe(process.execPath);
    writeFileSync(join(noJq, 'jq'), '#!/bin/sh\n', { mode: 0o755 });
    expect(withBundledJq({ PATH: noJq })).toEqual({ PATH: noJq });
    expect(
      execFileSync(jq, ['-n', '1 + 1'], {
        env: { ...env, PATH: `/usr/bin${delimiter}/bin` },
        encoding: 'utf8',
      }),
    ).toBe('2\n');
  });
});
