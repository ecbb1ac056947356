#!/usr/bin/env node
// The `converge` launcher: only node:* built-ins, so it runs on any Node. Below Node 22.13 it
// re-executes itself with the binary of the `node` package found from its own real path,
// passing stdio, exit code and signals through; with no such binary it exits 2.
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
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
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
