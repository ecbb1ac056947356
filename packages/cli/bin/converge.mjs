#!/usr/bin/env node
// The `converge` launcher: only node:* built-ins, so it runs on any Node. Below Node 22.13 it
// re-executes itself with the binary of the `node` package found from its own real path,
// passing stdio, exit code and signals through; with no such binary it exits 2. SIGINT, SIGTERM and
// SIGHUP sent to the launcher go to the engine, and the launcher ends as the engine did: with its
// exit code, or by re-raising the signal that killed it (128 + its number if that does not end it).
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = realpathSync(fileURLToPath(import.meta.url));
const [major, minor] = process.versions.node.split('.').map(Number);
const supported = major > 22 || (major === 22 && minor >= 13);

function findNodePackageBinary(from) {
  let dir = dirname(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', 'node', 'bin', 'node');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

if (supported || process.env.CONVERGE_LAUNCHED === '1') {
  const { main } = await import(join(dirname(self), '..', 'dist', 'main.js'));
  process.exitCode = await main(process.argv.slice(2));
} else {
  const binary = findNodePackageBinary(self);
  if (!binary) {
    process.stderr.write(`converge needs Node >= 22.13, found ${process.version}\n`);
    process.exit(2);
  }
  const child = spawn(binary, [self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CONVERGE_LAUNCHED: '1' },
  });
  const forwarded = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const signal of forwarded) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`converge: cannot start ${binary}: ${error.message}\n`);
    process.exit(2);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Without our listener the signal's default action ends this process, as it ended the engine.
      for (const s of forwarded) process.off(s, forward);
      process.kill(process.pid, signal);
      process.exit(128 + (constants.signals[signal] ?? 0));
    }
    process.exit(code ?? 1);
  });
}
