// Lint step: @converge/core stays pure (DESIGN.md). Biome bans imports and timer globals;
// this check covers the member expressions Biome cannot name: Date.now(), new Date(), Math.random().
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

const problems = [];
for (const file of walk('packages/core/src')) {
  if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trimStart().startsWith('//') || line.trimStart().startsWith('*')) return;
    for (const [re, what] of banned) {
      if (re.test(line)) problems.push(`${file}:${i + 1}: @converge/core must not use ${what}`);
    }
  });
}
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
