import { existsSync } from 'node:fs';

/** Thrown when a golden file is missing where it may not be recorded (CI). */
export class MissingGoldenError extends Error {}

/**
 * What the golden test does with a scenario's files: `record` them (asked for with
 * UPDATE_GOLDEN=1, or missing on a developer's machine) or `compare` with them. In CI (CI=true) a
 * missing file fails, naming it, instead of being recorded from the code under test: a golden log
 * that CI writes itself can never disagree with that code.
 */
export function goldenAction(
  files: string[],
  env: { UPDATE_GOLDEN?: string; CI?: string } = process.env,
): 'record' | 'compare' {
  const missing = files.filter((f) => !existsSync(f));
  const ci = env.CI === 'true' || env.CI === '1';
  if (missing.length > 0 && ci)
    throw new MissingGoldenError(
      `golden file${missing.length > 1 ? 's' : ''} missing in CI: ${missing.join(', ')}; record ${missing.length > 1 ? 'them' : 'it'} with UPDATE_GOLDEN=1 npx vitest run test/golden and commit ${missing.length > 1 ? 'them' : 'it'}`,
    );
  if (env.UPDATE_GOLDEN === '1') {
    if (ci)
      throw new MissingGoldenError(
        'UPDATE_GOLDEN=1 is refused in CI: golden logs are recorded on a developer machine and committed',
      );
    return 'record';
  }
  return missing.length > 0 ? 'record' : 'compare';
}
