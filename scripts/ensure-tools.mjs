// pretest: installs the Debian packages the tests use when they are missing and we are root
// (jq for hook fixtures and the jq engine, chromium for the timeline browser test). It never fails
// the test run by itself: a test that needs a missing tool fails with a message naming the package.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { bin: '/usr/bin/jq', pkg: 'jq' },
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
];
const missing = wanted.filter((w) => !existsSync(w.bin));
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const names = missing.map((m) => m.pkg);
  if (!isRoot) {
    console.warn(`missing ${names.join(', ')}: install with apt-get install ${names.join(' ')}`);
  } else {
    try {
      console.log(`installing ${names.join(', ')} with apt-get`);
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
      execFileSync('apt-get', ['install', '-y', '-qq', ...names], {
        stdio: 'inherit',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (e) {
      console.warn(`could not install ${names.join(', ')}: ${e.message}`);
    }
  }
}
