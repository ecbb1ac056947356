import { createRequire } from 'node:module';
import type { JqEngine } from '@converge/runtime';
import { JqError, jqAnswer, wrapJqFilter } from './jq-results.js';

/**
 * jq compiled to WebAssembly, from the npm package `jq-web` (jq's own C sources built with
 * Emscripten): a real jq where no `jq` binary is installed. `raw(input, filter, flags)` runs
 * `jq flags filter` on `input` as stdin and returns stdout without its last newline; a non-zero
 * exit throws an error with `exitCode` and `stderr`; on success, stderr goes to `console.warn`.
 */
export interface JqWasm {
  raw(input: string, filter: string, flags?: string[]): string | undefined;
}

/** What `JqWasm.raw` throws. */
export interface JqWasmFailure extends Error {
  exitCode?: number;
  stderr?: string;
}

let loading: Promise<JqWasm> | undefined;

/** Compiles the WebAssembly module once per process (tens of milliseconds). */
export function loadJqWasm(): Promise<JqWasm> {
  loading ??= createRequire(import.meta.url)('jq-web') as Promise<JqWasm>;
  return loading;
}

/** Runs `fn` with jq's success-path stderr (`debug`, `stderr`) handed to `onStderr` instead of `console.warn`. */
export function withJqStderr<T>(onStderr: (text: string) => void, fn: () => T): T {
  const original = console.warn;
  console.warn = (...args: unknown[]) => onStderr(String(args.at(-1) ?? ''));
  try {
    return fn();
  } finally {
    console.warn = original;
  }
}

/**
 * `JqEngine` on the WebAssembly jq, in process: each evaluation runs jq once (it compiles the filter
 * and its builtins every time, a few milliseconds), with results as `JqProcessEngine` gives them.
 * The fallback for jqFilters when no `jq` binary is installed; see docs/performance.md.
 */
export class JqWasmEngine implements JqEngine {
  private constructor(private readonly jq: JqWasm) {}

  static async load(): Promise<JqWasmEngine> {
    return new JqWasmEngine(await loadJqWasm());
  }

  evaluate(filter: string, input: unknown): unknown[] {
    const out = this.run(JSON.stringify(input ?? null), wrapJqFilter(filter), ['-c']);
    const line = (out ?? '').split('\n')[0] ?? '';
    return line ? jqAnswer(line) : [];
  }

  /** Compile check (for `checkJqFilter`): the error text, or undefined when `filter` compiles. */
  check(filter: string): string | undefined {
    try {
      this.run('null', `empty | (\n${filter}\n)`, ['-n']);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e);
    }
  }

  close(): void {}

  private run(input: string, filter: string, flags: string[]): string | undefined {
    try {
      return withJqStderr(
        () => {},
        () => this.jq.raw(input, filter, flags),
      );
    } catch (e) {
      const failure = e as JqWasmFailure;
      throw new JqError(failure.stderr?.trim() || failure.message);
    }
  }
}
