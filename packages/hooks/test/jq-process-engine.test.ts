import { spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HookConfigError } from '@converge/protocol';
import { collectJqResults } from '@converge/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JqError, JqProcessEngine, jqPatchFunction, ProcessHookRunner } from '../src/index.js';

const hasJq = spawnSync('jq', ['--version']).status === 0;
const engine = new JqProcessEngine({ timeoutMs: 10_000 });
afterAll(() => engine.close());

describe('JqProcessEngine', () => {
  // No silent skip: without jq every test here fails with this message.
  beforeAll(() => {
    if (!hasJq)
      throw new Error(
        'jq is not on PATH: install it (apt-get install jq; `npm test` does in its pretest when root)',
      );
  });

  it('returns every output of the filter, in order', () => {
    expect(engine.evaluate('.metadata.name', { metadata: { name: 'x' } })).toEqual(['x']);
    expect(engine.evaluate('.[] | . * 2', [1, 2, 3])).toEqual([2, 4, 6]);
    expect(engine.evaluate('empty', {})).toEqual([]);
  });

  it('shell-operator pkg/filter/jq/apply.go with collectJqResults: 0 results → null, 1 → value, n → array', () => {
    expect(collectJqResults(engine.evaluate('.a[]?', { a: [] }))).toBeNull();
    expect(collectJqResults(engine.evaluate('.a[]', { a: [1] }))).toBe(1);
    expect(collectJqResults(engine.evaluate('.a[]', { a: [1, 2] }))).toEqual([1, 2]);
  });

  it('sorts object keys as gojq does', () => {
    const [out] = engine.evaluate('{b: 1, a: {d: 2, c: 3}}', null);
    expect(JSON.stringify(out)).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('keeps the filter compiled across inputs and filters apart', () => {
    for (let i = 0; i < 50; i++) {
      expect(engine.evaluate('.n + 1', { n: i })).toEqual([i + 1]);
      expect(engine.evaluate('.n | tostring', { n: i })).toEqual([String(i)]);
    }
  });

  it('throws JqError on runtime and compile errors and keeps working afterwards', () => {
    expect(() => engine.evaluate('.a.b', 'text')).toThrow(JqError);
    expect(() => engine.evaluate('.a.b', 'text')).toThrow(/Cannot index string/);
    expect(() => engine.evaluate('.a |', {})).toThrow(/compile error/);
    expect(engine.evaluate('.a', { a: 1 })).toEqual([1]);
  });

  it('a filter ending in a comment still works', () => {
    expect(engine.evaluate('.x # the x', { x: 5 })).toEqual([5]);
  });

  it('halt and input do not stall the engine', () => {
    expect(engine.evaluate('halt', 1)).toEqual([]);
    expect(() => engine.evaluate('input', 1)).toThrow(JqError);
    expect(engine.evaluate('.', 2)).toEqual([2]);
  });

  it('check() reports compile errors only', () => {
    expect(engine.check('.metadata.name')).toBeUndefined();
    expect(engine.check('keys')).toBeUndefined();
    expect(engine.check('.a |')).toMatch(/syntax error/);
    expect(engine.check('$nope')).toMatch(/\$nope is not defined/);
  });

  it('jqPatchFunction needs exactly one output', () => {
    const jq = jqPatchFunction(engine);
    expect(jq('.data.x = "1"', { data: {} })).toEqual({ data: { x: '1' } });
    expect(() => jq('.[]', [1, 2])).toThrow(/one object, got 2 results/);
  });

  it('a missing jq binary is a JqError naming it', () => {
    const missing = new JqProcessEngine({ jq: '/nonexistent/jq', timeoutMs: 5000 });
    try {
      expect(() => missing.evaluate('.', 1)).toThrow(JqError);
      expect(missing.check('.')).toMatch(/cannot run \/nonexistent\/jq/);
    } finally {
      missing.close();
    }
  });

  it('a jqFilter that does not compile fails the hook config, naming the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'converge-jq-'));
    try {
      await mkdir(join(dir, 'hooks'));
      await writeFile(
        join(dir, 'hooks', 'k.sh'),
        `#!/bin/sh\necho '{"configVersion":"v1","kubernetes":[{"name":"pods","kind":"Pod","jqFilter":".metadata |"}]}'\n`,
      );
      await chmod(join(dir, 'hooks', 'k.sh'), 0o755);
      const runner = new ProcessHookRunner({ moduleHooksDir: () => join(dir, 'hooks'), jq: engine });
      const error = await runner.moduleHooks('m').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HookConfigError);
      expect((error as HookConfigError).field).toBe('kubernetes[0].jqFilter');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
