// Copies the marked snippets of the examples into README.md (the README test checks they match).
// Usage: node scripts/sync-readme-snippets.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const snippets = [
  ['examples/testing-lifecycle/test/lifecycle.test.ts', 'usage', 'ts'],
  ['examples/embedding/operator.mjs', 'embedding', 'js'],
  ['examples/kube-operator/operator.mjs', 'kube', 'js'],
];

function snippet(file, name) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => l.includes(`snippet:start ${name}`));
  const end = lines.findIndex((l) => l.includes(`snippet:end ${name}`));
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join('\n');
}

let readme = readFileSync('README.md', 'utf8');
for (const [file, name, lang] of snippets) {
  const marker = `From \`${file}\``;
  const at = readme.indexOf(marker);
  if (at < 0) throw new Error(`README.md does not cite ${file}`);
  const open = readme.indexOf('```' + lang + '\n', at);
  const close = readme.indexOf('\n```\n', open);
  readme = `${readme.slice(0, open)}\`\`\`${lang}\n${snippet(file, name)}${readme.slice(close)}`;
}
writeFileSync('README.md', readme);
