/**
 * Runs one helm command from an argv array (never a shell string) in its own process group,
 * killed when its deadline passes, and ended when its signal aborts (SIGTERM to the group,
 * SIGKILL 5 s later; the promise settles once helm is gone). A failure is a HelmCommandError whose message is
 * `helm <operation> failed: <stderr>` (trimmed, capped), so the engine's HelmOperationFailed
 * carries helm's own words.
 */
import { spawn } from 'node:child_process';
import type { AbortSignalLike } from '@converge/core';
import { ConvergeError } from '@converge/protocol';
import {
  type GroupTermination,
  signalGroup,
  type TrackProcessGroup,
  terminateGroup,
} from '@converge/runtime';
import type { HelmEnv } from './resolve-helm.js';

/** Longest stderr kept in an error message; longer text keeps its head and its tail. */
export const STDERR_CAP = 4000;

/** A helm command that exited non-zero, was killed, or could not start (`isConvergeError()` is true). */
export class HelmCommandError extends ConvergeError {
  readonly code = 'HELM_COMMAND';
  constructor(
    /** The helm subcommand, e.g. `upgrade`, `get metadata`. */
    readonly operation: string,
    /** helm's stderr, trimmed and capped. */
    readonly stderr: string,
    /** The exit code, or null when the process was killed or did not start. */
    readonly exitCode: number | null,
    readonly timedOut = false,
    /** The call was aborted because the engine is stopping. */
    readonly aborted = false,
  ) {
    super(`helm ${operation} failed: ${stderr}`);
  }
}

/** Trims `text` and keeps at most STDERR_CAP characters of it (head and tail). */
export function capStderr(text: string): string {
  const trimmed = text.trim();
  if (trimmed.length <= STDERR_CAP) return trimmed;
  const head = Math.floor(STDERR_CAP / 4);
  const tail = STDERR_CAP - head;
  return `${trimmed.slice(0, head)}\n…[${trimmed.length - STDERR_CAP} characters cut]…\n${trimmed.slice(-tail)}`;
}

export interface HelmRunOptions {
  env: HelmEnv;
  /** Kill the process group after this many ms (0 or absent: never). */
  deadlineMs?: number;
  /** Aborting ends the process group (SIGTERM, SIGKILL `killAfterMs` later, default 5 s). */
  signal?: AbortSignalLike;
  killAfterMs?: number;
  /** Told about the process group when it starts and when it ends (ProcessGroupRegistry). */
  track?: TrackProcessGroup;
}

export interface HelmOutput {
  stdout: string;
  stderr: string;
}

/** Runs `helm argv…`; resolves with its output on exit 0, else rejects with HelmCommandError. */
export function runHelm(
  helmPath: string,
  operation: string,
  argv: readonly string[],
  options: HelmRunOptions,
): Promise<HelmOutput> {
  if (options.signal?.aborted)
    return Promise.reject(
      new HelmCommandError(operation, 'aborted: the engine is stopping', null, false, true),
    );
  return new Promise((resolve, reject) => {
    const child = spawn(helmPath, argv, {
      env: (options.track?.env
        ? { ...(options.env ?? process.env), ...options.track.env }
        : options.env) as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const untrack =
      child.pid !== undefined ? options.track?.({ pid: child.pid, command: [helmPath, ...argv] }) : undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    let aborted = false;
    let termination: GroupTermination | undefined;
    let settled = false;
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer =
      options.deadlineMs && options.deadlineMs > 0
        ? setTimeout(() => {
            timedOut = true;
            signalGroup(child.pid, 'SIGKILL');
          }, options.deadlineMs)
        : undefined;
    const onAbort = () => {
      if (settled || aborted) return;
      aborted = true;
      termination = terminateGroup(child.pid, options.killAfterMs);
    };
    options.signal?.addEventListener('abort', onAbort);
    // Whatever helm left in its group goes too once it was aborted.
    child.on('exit', () => {
      if (aborted) signalGroup(child.pid, 'SIGKILL');
    });
    child.on('error', (error) => {
      if (settled) return;
      settled = true;
      untrack?.();
      options.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      termination?.cancel();
      reject(new HelmCommandError(operation, capStderr(error.message), null));
    });
    child.on('close', (code) => {
      if (settled) return;
      settled = true;
      untrack?.();
      options.signal?.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      termination?.cancel();
      const out = Buffer.concat(stdout).toString('utf8');
      const err = Buffer.concat(stderr).toString('utf8');
      if (aborted) {
        const text = capStderr(`aborted: the engine is stopping${err.trim() ? `\n${err}` : ''}`);
        reject(new HelmCommandError(operation, text, null, false, true));
      } else if (timedOut) {
        const text = capStderr(`timeout after ${options.deadlineMs} ms${err.trim() ? `\n${err}` : ''}`);
        reject(new HelmCommandError(operation, text, null, true));
      } else if (code !== 0) {
        reject(new HelmCommandError(operation, capStderr(err) || `exit status ${code}`, code));
      } else {
        resolve({ stdout: out, stderr: err });
      }
    });
  });
}
