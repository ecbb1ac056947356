import { readFileSync } from 'node:fs';
import { type JqWasmFailure, loadJqWasm, withJqStderr } from './jq-wasm.js';

/**
 * The `jq` command that hooks get on their PATH when no jq is installed (see hook-env.ts): jq's
 * command line over the WebAssembly jq. It reads the input files (or stdin) and `-f`,
 * `--slurpfile`, `--rawfile` files itself, runs jq once, and exits with jq's status; with `-e` a
 * second run finds the status of the last output, since the WebAssembly runner keeps no output
 * of a failing run. `--args`, `--jsonargs` and `-L` are refused (exit 2, saying so).
 */

/** Options that take one value, and those that take two (jq 1.7 manual). */
const ONE = new Set(['--indent', '-f', '--from-file', '-L']);
const TWO = new Set(['--arg', '--argjson', '--slurpfile', '--rawfile']);
const UNSUPPORTED = new Set(['--args', '--jsonargs', '-L']);

interface Parsed {
  flags: string[];
  filter: string | undefined;
  files: string[];
  nullInput: boolean;
  exitStatus: boolean;
  join: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): Parsed {
  const out: Parsed = {
    flags: [],
    filter: undefined,
    files: [],
    nullInput: false,
    exitStatus: false,
    join: false,
  };
  let fromFile: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (UNSUPPORTED.has(a))
      throw new UsageError(`${a} is not supported by converge's bundled jq; install jq to use it`);
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (TWO.has(a)) {
      const [name, value] = [argv[i + 1], argv[i + 2]];
      if (name === undefined || value === undefined) throw new UsageError(`${a} takes two parameters`);
      i += 2;
      if (a === '--slurpfile') {
        // jq-web passes --argjson through a slurped file and takes its first value: slurp ourselves.
        const values = readFileSync(value, 'utf8');
        out.flags.push('--argjson', name, `[${jsonValues(values).join(',')}]`);
      } else if (a === '--rawfile') out.flags.push('--arg', name, readFileSync(value, 'utf8'));
      else out.flags.push(a, name, value);
      continue;
    }
    if (ONE.has(a)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${a} takes a parameter`);
      if (a === '-f' || a === '--from-file') fromFile = value;
      else out.flags.push(a, value);
      continue;
    }
    if (a.startsWith('--')) {
      if (a === '--null-input') out.nullInput = true;
      if (a === '--exit-status') out.exitStatus = true;
      else {
        if (a === '--join-output' || a === '--raw-output0') out.join = true;
        out.flags.push(a);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (const c of a.slice(1)) {
        if (c === 'e') {
          out.exitStatus = true;
          continue;
        }
        if (c === 'n') out.nullInput = true;
        if (c === 'j') out.join = true;
        if (c === 'f' || c === 'L') throw new UsageError(`-${c} must be given on its own`);
        out.flags.push(`-${c}`);
      }
      continue;
    }
    positional.push(a);
  }
  if (fromFile !== undefined) out.filter = readFileSync(fromFile, 'utf8');
  else out.filter = positional.shift();
  out.files = positional;
  return out;
}

/** The JSON values of a text, as a stream of whitespace-separated values (for --slurpfile). */
function jsonValues(text: string): string[] {
  const whole = text.trim();
  if (!whole) return [];
  try {
    JSON.parse(whole);
    return [whole];
  } catch {
    // several values: one per line (NDJSON) is the common case, else search each value's end
  }
  const lines = whole.split('\n').filter((l) => l.trim());
  if (
    lines.every((l) => {
      try {
        JSON.parse(l);
        return true;
      } catch {
        return false;
      }
    })
  )
    return lines;
  const values: string[] = [];
  let rest = whole;
  while (rest) {
    let end = rest.length;
    for (; end > 0; end--) {
      try {
        JSON.parse(rest.slice(0, end));
        break;
      } catch {
        // shorter
      }
    }
    if (end === 0) throw new UsageError('--slurpfile: the file is not a stream of JSON values');
    values.push(rest.slice(0, end));
    rest = rest.slice(end).trimStart();
  }
  return values;
}

async function main(argv: string[]): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    process.stderr.write(`jq: ${(e as Error).message}\n`);
    return 2;
  }
  if (p.filter === undefined) {
    process.stderr.write('Usage: jq [OPTIONS] FILTER [FILES...]\n');
    return 2;
  }
  const readsStdin = p.files.length === 0 && (!p.nullInput || /\binputs?\b/.test(p.filter));
  let input: string;
  try {
    input = readsStdin ? readFileSync(0, 'utf8') : p.files.map((f) => readFileSync(f, 'utf8')).join('');
  } catch (e) {
    process.stderr.write(
      `jq: error: Could not open ${(e as NodeJS.ErrnoException).path ?? 'input'}: ${(e as Error).message}\n`,
    );
    return 2;
  }
  const where = p.files.length === 1 ? (p.files[0] as string) : '<stdin>';
  const jq = await loadJqWasm();
  const stderr = (text: string) => process.stderr.write(`${text.replaceAll('inputString', where)}\n`);
  try {
    const out = withJqStderr(stderr, () => jq.raw(input, p.filter as string, [...p.flags]));
    if (out !== undefined) process.stdout.write(p.join ? out : `${out}\n`);
  } catch (e) {
    const failure = e as JqWasmFailure;
    if (failure.exitCode === undefined) throw e;
    if (failure.stderr) stderr(failure.stderr);
    return failure.exitCode;
  }
  if (!p.exitStatus) return 0;
  // -e: 1 when the last output is false or null, 4 when there was none (jq's exit statuses).
  const probe = `[(\n${p.filter}\n)] | if length == 0 then "none" elif (.[-1] == null or .[-1] == false) then "falsy" else "truthy" end`;
  const flags = p.flags.filter(
    (f) => !['-r', '-j', '-a', '-C', '-S', '--raw-output', '--join-output'].includes(f),
  );
  const lines = (
    withJqStderr(
      () => {},
      () => jq.raw(input, probe, ['-c', ...flags]),
    ) ?? ''
  ).split('\n');
  const last = lines.filter((l) => l !== '"none"').at(-1);
  return last === undefined ? 4 : last === '"falsy"' ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
