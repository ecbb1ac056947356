// pretest: installs the Debian packages the tests use when they are missing and we are root
// (jq for hook fixtures and the jq engine, chromium for the timeline browser test). It never fails
// the test run by itself: a test that needs a missing tool fails with a message naming the package.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const wanted = [
  { bin: '/usr/bin/jq', pkg: 'jq', usedBy: 'hook fixtures that call jq and the jq engine tests' },
  { bin: '/usr/bin/chromium', pkg: 'chromium', usedBy: 'the timeline page test in a headless browser' },
];
const missing = wanted.filter((w) => !existsSync(w.bin));
if (missing.length > 0) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const names = missing.map((m) => m.pkg);
  if (!isRoot) {
    console.warn(
      `pretest: missing ${names.join(', ')} (${missing.map((m) => m.usedBy).join('; ')}): not root, so not installing; install with apt-get install ${names.join(' ')}`,
    );
  } else {
    try {
      const why = missing.map((m) => `${m.pkg} (${m.usedBy})`).join(', ');
      console.log(
        `pretest: the tests need ${why}, and ${missing.map((m) => m.bin).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing: running apt-get update and apt-get install -y ${names.join(' ')} (as root)`,
      );
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
