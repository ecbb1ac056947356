// Imported first by operator.mjs: stops at once, with what to do, on a Node older than
// @kubernetes/client-node's HTTP client (undici 8: Node >= 22.19) needs, instead of failing inside undici.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `examples/kube-operator needs Node >= 22.19 (for undici, the HTTP client of @kubernetes/client-node), found ${process.version}.\n` +
      'Run it with the project\'s Node 24 (the root devDependency "node"): `npm run demo`\n' +
      'in this directory, or `npx node operator.mjs --test-api --once`; or install Node 24 from https://nodejs.org.\n',
  );
  process.exit(2);
}
