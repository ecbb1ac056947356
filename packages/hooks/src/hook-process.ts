import { spawn } from 'node:child_process';
import type { AbortSignalLike } from '@converge/core';
import {
  type GroupTermination,
  signalGroup,
  type TrackProcessGroup,
  terminateGroup,
} from '@converge/runtime';

/**
 * Runs one hook process: argv array (never a shell string), stdin closed, its own process group so
 * that a timeout kills the hook and everything it started (SIGKILL), and an abort ends them (SIGTERM,
 * SIGKILL `killAfterMs` later); the promise resolves once the hook is gone. Output is bounded: stdout is
 * either handed to `onStdout` or captured up to `maxStdout` bytes; stderr is handed to `onStderr` and
 * its last `maxStderr` characters are kept for the error text.
 */

export interface ProcessRunOptions {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** 0 = no timeout. */
  timeoutMs?: number;
  /** Aborting ends the process group: SIGTERM, then SIGKILL after `killAfterMs` (default 5 s). */
  signal?: AbortSignalLike;
  killAfterMs?: number;
  /** Capture stdout (for `--config`, `hook list`, `hook config`) instead of streaming it. */
  captureStdout?: boolean;
  maxStdout?: number;
  maxStderr?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Told about the process group when it starts and when it ends (ProcessGroupRegistry). */
  track?: TrackProcessGroup;
}

export interface ProcessRunResult {
  /** null when the process died by a signal or could not start. */
  exitCode: number | null;
  exitSignal: string | null;
  stdout: string;
  /** stdout passed `maxStdout`; `stdout` holds only the beginning. */
  stdoutOverflow: boolean;
  /** The tail of stderr (at most `maxStderr` characters). */
  stderr: string;
  /** Characters of stderr dropped from the front. */
  stderrDropped: number;
  timedOut: boolean;
  aborted: boolean;
  /** The process could not be started (ENOENT, EACCES, …). */
  spawnError?: Error;
}

const DEFAULT_MAX_STDOUT = 16 * 1024 * 1024;
const DEFAULT_MAX_STDERR = 64 * 1024;
/** How long to wait for the pipes to close after the process exited (grandchildren may hold them). */
const PIPE_GRACE_MS = 2000;

export function runProcess(options: ProcessRunOptions): Promise<ProcessRunResult> {
  const maxStdout = options.maxStdout ?? DEFAULT_MAX_STDOUT;
  const maxStderr = options.maxStderr ?? DEFAULT_MAX_STDERR;
  const result: ProcessRunResult = {
    exitCode: null,
    exitSignal: null,
    stdout: '',
    stdoutOverflow: false,
    stderr: '',
    stderrDropped: 0,
    timedOut: false,
    aborted: false,
  };
  if (options.signal?.aborted) return Promise.resolve({ ...result, aborted: true });

  return new Promise((resolve) => {
    const [command, ...args] = options.argv;
    const child = spawn(command as string, args, {
      cwd: options.cwd,
      env: options.track?.env ? { ...(options.env ?? process.env), ...options.track.env } : options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const untrack =
      child.pid !== undefined ? options.track?.({ pid: child.pid, command: options.argv }) : undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    let termination: GroupTermination | undefined;
    const stdoutChunks: string[] = [];
    let stdoutLength = 0;

    const killGroup = () => {
      signalGroup(child.pid, 'SIGKILL');
    };
    const onAbort = () => {
      if (done || result.aborted) return;
      result.aborted = true;
      termination = terminateGroup(child.pid, options.killAfterMs);
    };
    const finish = () => {
      if (done) return;
      done = true;
      untrack?.();
      options.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      termination?.cancel();
      child.stdout?.destroy();
      child.stderr?.destroy();
      result.stdout = stdoutChunks.join('');
      resolve(result);
    };

    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (!options.captureStdout) {
        options.onStdout?.(chunk);
        return;
      }
      if (result.stdoutOverflow) return;
      if (stdoutLength + chunk.length > maxStdout) {
        stdoutChunks.push(chunk.slice(0, maxStdout - stdoutLength));
        result.stdoutOverflow = true;
        killGroup();
        return;
      }
      stdoutChunks.push(chunk);
      stdoutLength += chunk.length;
    });
    child.stderr.on('data', (chunk: string) => {
      options.onStderr?.(chunk);
      const joined = result.stderr + chunk;
      if (joined.length > maxStderr) {
        result.stderrDropped += joined.length - maxStderr;
        result.stderr = joined.slice(joined.length - maxStderr);
      } else result.stderr = joined;
    });
    child.on('error', (err) => {
      result.spawnError = err;
      finish();
    });
    child.on('exit', (code, signal) => {
      result.exitCode = code;
      result.exitSignal = signal;
      // Whatever the hook left behind in its group goes too once it timed out or was aborted.
      if (result.timedOut || result.aborted) killGroup();
      grace = setTimeout(finish, PIPE_GRACE_MS);
    });
    child.on('close', finish);

    const timeoutMs = options.timeoutMs ?? 0;
    if (timeoutMs > 0)
      timer = setTimeout(() => {
        result.timedOut = true;
        killGroup();
      }, timeoutMs);
    options.signal?.addEventListener('abort', onAbort);
  });
}

/** The error text of a failed run (shell-operator pkg/executor/executor.go): `exit status N`, then the captured stderr. */
export function processErrorText(run: ProcessRunResult, timeoutMs: number): string {
  if (run.spawnError) return `cannot start: ${run.spawnError.message}`;
  if (run.timedOut) return `timeout after ${timeoutMs} ms${stderrSuffix(run)}`;
  if (run.aborted) return `aborted${stderrSuffix(run)}`;
  const status = run.exitSignal ? `signal: ${run.exitSignal}` : `exit status ${run.exitCode}`;
  return `${status}${stderrSuffix(run)}`;
}

function stderrSuffix(run: ProcessRunResult): string {
  const text = run.stderr.trim();
  if (!text) return '';
  return run.stderrDropped > 0 ? `: …(${run.stderrDropped} characters cut) ${text}` : `: ${text}`;
}
