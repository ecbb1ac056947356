// Preloaded with `node --import` by the launcher tests: the process reports Node v20.0.0, so the
// `converge` launcher takes its "Node too old" path whatever Node runs the tests.
Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.0.0' } });
Object.defineProperty(process, 'version', { value: 'v20.0.0' });
