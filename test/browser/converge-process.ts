import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
/** The real `converge` bin, as users run it. */
export const convergeBin = join(root, 'node_modules', '.bin', 'converge');

/** A port nothing listens on right now (the system's choice for port 0, released again). */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const address = s.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  s.close();
  await once(s, 'close');
  return port;
}

/** A `converge` process whose output is collected, so a test can wait for a line of it. */
export class ConvergeProcess {
  output = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
    this.child = spawn(convergeBin, args, {
      cwd: options.cwd,
      env: { ...process.env, KUBECONFIG: '', LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (d) => (this.output += d));
    this.child.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Resolves once the output matches `pattern`; rejects, with the output, if the process ends first. */
  until(pattern: RegExp): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.output.match(pattern);
        if (!m) return;
        done();
        resolve(m);
      };
      const ended = (code: number | null) => {
        done();
        reject(new Error(`converge exited (${code}) before printing ${pattern}:\n${this.output}`));
      };
      const done = () => {
        this.child.stdout?.off('data', check);
        this.child.stderr?.off('data', check);
        this.child.off('close', ended);
      };
      this.child.stdout?.on('data', check);
      this.child.stderr?.on('data', check);
      this.child.on('close', ended);
      check();
    });
  }

  /** SIGTERM, then the exit status (143 after a clean stop). */
  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
