// Lint step: @converge/core and @converge/kube-model stay pure (README "Packages"). Biome bans
// imports and timer globals; this check covers the member expressions Biome cannot name: Date.now(),
// new Date(), Math.random(). That they import only the packages before them is checked, with every
// other package's imports, by scripts/check-public-api.mjs.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const banned = [
  [/\bDate\.now\s*\(/, 'Date.now() (take time from the injected Clock)'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date() (take time from the injected Clock)'],
  [/\bMath\.random\s*\(/, 'Math.random() (take randomness from the injected Random)'],
  [/from\s+['"]node:/, 'a node:* import'],
];

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The pure packages. Which packages each may import is checked with all the others' by check-public-api.mjs. */
const pure = ['core', 'kube-model'];

const problems = [];
for (const pkg of pure) {
  for (const file of walk(`packages/${pkg}/src`)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
      for (const [re, what] of banned) {
        if (re.test(line)) problems.push(`${file}:${i + 1}: @converge/${pkg} must not use ${what}`);
      }
    });
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
