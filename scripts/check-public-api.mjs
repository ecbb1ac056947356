// Lint step: each package's public API is small, named and documented, and packages import one way
// (README.md "Packages", docs/api.md). Fails when
//   - a packages/*/src/index.ts uses `export *` (exports are listed by name),
//   - a name an index exports is missing from docs/api.md, or docs/api.md lists a name the package
//     no longer exports (or a package that does not exist),
//   - a package's src imports a @converge package it may not (the direction table below), or a
//     path inside another package (`@converge/x/some/file`).
// Usage: node scripts/check-public-api.mjs [ROOT]   (ROOT defaults to the current directory)
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? process.cwd();

/**
 * The @converge packages each package's src may import (by directory name under packages/).
 * protocol ← core ← kube-model ← {runtime, cluster-memory} ← {hooks, helm, kube, store-sqlite,
 * store-postgres, sdk} ← testing; viz takes protocol and core only; server takes runtime and viz;
 * the CLI (packages/cli) takes everything but testing.
 */
const pure = ['protocol', 'core', 'kube-model'];
const base = [...pure, 'runtime', 'cluster-memory'];
const adapters = ['hooks', 'helm', 'kube', 'store-sqlite', 'store-postgres', 'sdk'];
export const allowedImports = {
  protocol: [],
  core: ['protocol'],
  'kube-model': ['protocol', 'core'],
  runtime: pure,
  'cluster-memory': pure,
  ...Object.fromEntries(adapters.map((a) => [a, base])),
  viz: ['protocol', 'core'],
  server: [...base, 'viz'],
  testing: [...base, ...adapters],
  cli: [...base, ...adapters, 'viz', 'server'],
};

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Strips comments so commented-out code neither exports nor imports anything. */
function code(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The names an index.ts exports, and its problems (`export *`). */
function indexExports(file) {
  const text = code(readFileSync(file, 'utf8'));
  const names = new Set();
  const problems = [];
  for (const m of text.matchAll(/^\s*export\s+(?:type\s+)?\*/gm)) {
    const line = text.slice(0, m.index + m[0].length).split('\n').length;
    problems.push(`${file}:${line}: \`export *\`: export each public name by name (docs/api.md)`);
  }
  for (const m of text.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (let part of m[1].split(',')) {
      part = part.trim().replace(/^type\s+/, '');
      if (!part) continue;
      const alias = part.split(/\s+as\s+/);
      names.add((alias[1] ?? alias[0]).trim());
    }
  }
  for (const m of text.matchAll(
    /export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|interface|type|enum|abstract\s+class)\s+([A-Za-z_$][\w$]*)/g,
  ))
    names.add(m[1]);
  return { names, problems };
}

/** docs/api.md: package name → the names listed under its `## \`name\`` heading. */
function documented(file) {
  const out = new Map();
  let current;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const h = line.match(/^##\s+`([^`]+)`/);
    if (h) {
      current = new Set();
      out.set(h[1], current);
      continue;
    }
    if (/^#{1,2}\s/.test(line)) current = undefined;
    const item = line.match(/^- `([A-Za-z_$][\w$]*)`/);
    if (item && current) current.add(item[1]);
  }
  return out;
}

export function check(rootDir) {
  const problems = [];
  const packagesDir = join(rootDir, 'packages');
  const dirs = readdirSync(packagesDir).filter((d) => existsSync(join(packagesDir, d, 'package.json')));
  const nameOf = new Map(
    dirs.map((d) => [d, JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')).name]),
  );
  const dirOf = new Map([...nameOf].map(([d, n]) => [n, d]));
  const apiFile = join(rootDir, 'docs', 'api.md');
  const docs = existsSync(apiFile) ? documented(apiFile) : new Map();
  if (!existsSync(apiFile)) problems.push('docs/api.md is missing: it lists each package’s public API');

  for (const d of dirs) {
    const pkg = nameOf.get(d);
    const index = join(packagesDir, d, 'src', 'index.ts');
    if (!existsSync(index)) continue;
    const { names, problems: own } = indexExports(index);
    problems.push(...own.map((p) => relative(rootDir, p.split(':')[0]) + p.slice(p.indexOf(':'))));
    const listed = docs.get(pkg);
    if (!listed) {
      problems.push(`docs/api.md: no section \`## \`${pkg}\`\` listing the exports of ${pkg}`);
      continue;
    }
    for (const n of [...names].sort())
      if (!listed.has(n)) problems.push(`docs/api.md: ${pkg} exports \`${n}\`, which is not listed`);
    for (const n of [...listed].sort())
      if (!names.has(n)) problems.push(`docs/api.md: lists \`${n}\` under ${pkg}, which does not export it`);
  }
  for (const pkg of docs.keys())
    if (!dirOf.has(pkg)) problems.push(`docs/api.md: section for ${pkg}, which is not a package here`);

  for (const d of dirs) {
    const src = join(packagesDir, d, 'src');
    if (!existsSync(src)) continue;
    const allowed = allowedImports[d];
    if (!allowed) {
      problems.push(
        `packages/${d}: not in the import direction table of scripts/check-public-api.mjs; add it`,
      );
      continue;
    }
    for (const file of walk(src)) {
      if (!/\.(ts|tsx|mts|mjs|js)$/.test(file)) continue;
      const lines = code(readFileSync(file, 'utf8')).split('\n');
      lines.forEach((line, i) => {
        for (const m of line.matchAll(
          /(?:from\s+|import\s*\(\s*|import\s+)['"](@converge\/[^'"/]+|converge)(\/[^'"]*)?['"]/g,
        )) {
          const target = dirOf.get(m[1]) ?? m[1].replace('@converge/', '');
          const where = `${relative(rootDir, file)}:${i + 1}`;
          if (m[2]) problems.push(`${where}: deep import '${m[1]}${m[2]}': import '${m[1]}' by name`);
          if (target !== d && !allowed.includes(target))
            problems.push(
              `${where}: ${nameOf.get(d)} may not import ${m[1]} (it may import: ${allowed.join(', ') || 'no package'})`,
            );
        }
      });
    }
  }
  return problems;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const problems = check(root);
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}
