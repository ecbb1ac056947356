import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// Inputs as addon-operator reads them: directories from the environment, files beside the modules,
// modules left disabled, hooks that are not executable, static values against the module's schema.
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'node_modules', '.bin', 'converge');
const fixtures = join(root, 'test', 'fixtures');
const work = mkdtempSync(join(tmpdir(), 'converge-cli-inputs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function converge(args: string[], env: NodeJS.ProcessEnv = {}) {
  const run = spawnSync(bin, args, {
    cwd: work,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));

const backendReason =
  "`backendEnabled` is not set in the modules directory's values.yaml, by a global hook or in the config; the module's own values.yaml sets `backendEnabled: true`, which does not count";

describe('converge run and validate read their inputs as addon-operator does', () => {
  it('AO-13 AO-91 run reads $MODULES_DIR and $GLOBAL_HOOKS_DIR, and names a module left disabled with the flag and where', () => {
    const dir = join(work, 'run');
    cpSync(join(fixtures, 'extensionless-hooks'), dir, { recursive: true });
    const events = join(dir, 'events.jsonl');
    const r = converge(
      ['run', '--once', '--json', '--events', events, '--store', `sqlite:${join(dir, 'run.sqlite')}`],
      {
        MODULES_DIR: join(dir, 'modules'),
        GLOBAL_HOOKS_DIR: join(dir, 'global-hooks'),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    // The global hook of $GLOBAL_HOOKS_DIR ran.
    expect(lines.some((l) => l.msg === 'Global hook start' && l.hook === 'startup')).toBe(true);
    // A log line at the converge, and the run's summary, name the module and why.
    const said = lines.find((l) => l.module === 'backend' && l.flag === 'backendEnabled');
    expect(said?.msg).toContain(`module backend is not enabled: ${backendReason}`);
    expect(lines.at(-1)).toMatchObject({ code: 0, msg: 'converged: 1 modules ready' });
    expect(lines.at(-1).notEnabled.backend).toContain(backendReason);
    const log = jsonLines(readFileSync(events, 'utf8'));
    expect(log.filter((e) => e.type === 'ModuleNotEnabled')).toEqual([
      expect.objectContaining({
        module: 'backend',
        flag: 'backendEnabled',
        reason: expect.stringContaining(backendReason),
      }),
    ]);
  });

  it('AO-91 TV-15 AO-85 validate skips a README.md, and reports a hook that is not executable, static values that break the schema and a module left disabled', () => {
    const dir = join(work, 'validate');
    cpSync(join(fixtures, 'cli-validate'), dir, { recursive: true });
    const modules = join(dir, 'modules');
    const r = converge(['validate', modules, '--json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    const problems = report.problems.map((p: { file: string; message: string }) => `${p.file}: ${p.message}`);
    expect(problems).toEqual([
      `${join(modules, '010-frontend', 'hooks', 'forgotten.sh')}: hook not executable: skipped at load, the module runs without it (chmod +x is required)`,
      `${join(modules, '030-typed')}: static values: module typed: values: /replicas: must be integer`,
    ]);
    expect(report.notes).toEqual([
      {
        file: join(modules, '020-backend'),
        module: 'backend',
        message: expect.stringContaining(`not enabled without a config: ${backendReason}`),
      },
    ]);
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'backendEnabled: false\n');
    const withConfig = JSON.parse(converge(['validate', modules, '--config', config, '--json']).stdout);
    expect(withConfig.notes.map((n: { message: string }) => n.message)).toEqual([
      expect.stringMatching(
        /^not enabled: `backendEnabled: false` in the config; the module's own values.yaml sets/,
      ),
    ]);
    const text = converge(['validate', modules]);
    expect(text.stdout).toContain(
      `note: ${join(modules, '020-backend')} (module backend): not enabled without a config`,
    );
  });

  it('AO-13 validate reads $MODULES_DIR and $GLOBAL_HOOKS_DIR too', () => {
    const dir = join(fixtures, 'extensionless-hooks');
    const r = converge(['validate', '--json'], {
      MODULES_DIR: join(dir, 'modules'),
      GLOBAL_HOOKS_DIR: join(dir, 'global-hooks'),
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, problems: [] });
    expect(converge(['validate']).code).toBe(2);
  });
});
