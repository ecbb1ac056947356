// Imported first by operator.mjs: stops at once, with what to do, on a Node without `node:sqlite`
// (the durable log's store), instead of failing deep inside @converge/store-sqlite.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `examples/embedding needs Node >= 22.13 (for node:sqlite), found ${process.version}.\n` +
      'Run it with the project\'s Node 24 (the root devDependency "node"): `npm start -- --once` in this\n' +
      'directory, or `npx node operator.mjs --once`; or install Node 24 from https://nodejs.org.\n',
  );
  process.exit(2);
}
