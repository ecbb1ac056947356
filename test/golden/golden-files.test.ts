import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { goldenAction, MissingGoldenError } from './golden-files.js';

const dir = mkdtempSync(join(tmpdir(), 'converge-golden-'));
const present = join(dir, 'present.jsonl');
writeFileSync(present, '{}\n');
const absent = join(dir, 'absent.jsonl');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('golden files: recorded on a developer machine, never by CI', () => {
  it('a missing golden log fails in CI (CI=true), naming the file and how to record it', () => {
    expect(() => goldenAction([present, absent], { CI: 'true' })).toThrow(MissingGoldenError);
    expect(() => goldenAction([present, absent], { CI: 'true' })).toThrow(
      new RegExp(`${absent}.*UPDATE_GOLDEN=1 npx vitest run test/golden`),
    );
  });

  it('UPDATE_GOLDEN=1 is refused in CI', () => {
    expect(() => goldenAction([present], { CI: 'true', UPDATE_GOLDEN: '1' })).toThrow(/refused in CI/);
  });

  it('in CI with every file present, the run compares with them', () => {
    expect(goldenAction([present], { CI: 'true' })).toBe('compare');
  });

  it('on a developer machine a missing file is recorded, and UPDATE_GOLDEN=1 re-records', () => {
    expect(goldenAction([present, absent], {})).toBe('record');
    expect(goldenAction([present], { UPDATE_GOLDEN: '1' })).toBe('record');
    expect(goldenAction([present], {})).toBe('compare');
  });
});
