// Lint step: @converge/core and @converge/kube-model stay pure (README "Packages"). Biome bans
// imports and timer globals; this check covers the member expressions Biome cannot name: Date.now(),
// new Date(), Math.random(). It also keeps the pure packages first in the one-way direction: they
// import only the packages listed for them below.
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

/** Pure packages and the @converge packages each may import. */
const pure = {
  core: ['protocol'],
  'kube-model': ['protocol', 'core'],
};

const problems = [];
for (const [pkg, allowed] of Object.entries(pure)) {
  for (const file of walk(`packages/${pkg}/src`)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
      for (const [re, what] of banned) {
        if (re.test(line)) problems.push(`${file}:${i + 1}: @converge/${pkg} must not use ${what}`);
      }
      for (const m of line.matchAll(/from\s+['"]@converge\/([^'"/]+)/g)) {
        if (!allowed.includes(m[1]))
          problems.push(
            `${file}:${i + 1}: @converge/${pkg} may import only ${allowed.join(', ')}, not ${m[1]}`,
          );
      }
    });
  }
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
